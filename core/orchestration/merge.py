"""What the supervisor makes of the agents' outputs: the top cause, the merged summary stored with the
incident, and the fallback report written when the reporter failed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, TypeVar

from core.agents.base import AnalysisContext
from core.models import (
    AgentOutput,
    LogAnalysisOutput,
    MitigationOutput,
    MonitoringOutput,
    RootCauseOutput,
)
from core.report import text

REPORTER = "reporter"
FALLBACK_ITEMS = 5  # anomalies, patterns and actions listed in the fallback report

OutputT = TypeVar("OutputT", bound=AgentOutput)


class TopCause(NamedTuple):
    """The most likely root cause of an analysis."""

    service: str
    kind: str
    confidence: float


def top_cause(outputs: Mapping[str, AgentOutput]) -> TopCause | None:
    """The first hypothesis of an ok root-cause output, else None."""
    rc = outputs.get("root_cause")
    if not isinstance(rc, RootCauseOutput) or rc.status == "error" or not rc.hypotheses:
        return None
    best = rc.hypotheses[0]
    return TopCause(best.service, best.kind, best.confidence)


def _typed(outputs: Mapping[str, AgentOutput], name: str, model: type[OutputT]) -> OutputT | None:
    out = outputs.get(name)
    return out if isinstance(out, model) else None


def final_summary(
    outputs: Mapping[str, AgentOutput], order: Sequence[str], gaps: list[dict[str, str]]
) -> dict[str, Any]:
    """Everything the agents found, merged into one JSON-ready dict, with per-agent status and the gaps."""
    monitoring = _typed(outputs, "monitoring", MonitoringOutput)
    logs = _typed(outputs, "log_analysis", LogAnalysisOutput)
    rc = _typed(outputs, "root_cause", RootCauseOutput)
    mitigation = _typed(outputs, "mitigation", MitigationOutput)

    def dump(items: Sequence[Any]) -> list[dict[str, Any]]:
        return [item.model_dump(mode="json") for item in items]

    return {
        "anomalies": dump(monitoring.anomalies if monitoring else []),
        "timeline": dump(monitoring.timeline if monitoring else []),
        "patterns": dump(logs.patterns if logs else []),
        "hypotheses": dump(rc.hypotheses if rc else []),
        "no_cause_reason": rc.no_cause_reason if rc else None,
        "actions": {
            "immediate": dump(mitigation.immediate if mitigation else []),
            "long_term": dump(mitigation.long_term if mitigation else []),
        },
        "agents": {
            name: {
                "status": out.status,
                "error": out.error,
                "summary": out.summary,
                "llm": out.llm.model_dump(mode="json") if out.llm else None,
            }
            for name in order
            if (out := outputs.get(name)) is not None
        },
        "gaps": gaps,
    }


def fallback_markdown(ctx: AnalysisContext, outputs: Mapping[str, AgentOutput], gaps: list[dict[str, str]]) -> str:
    """A minimal report for when the reporter failed: what the other agents found and what failed."""
    report = outputs.get(REPORTER)
    why = report.error if report is not None and report.error else "the reporter produced no report"
    lines = [
        f"# RCA (incomplete): {text(ctx.incident.title)}",
        "",
        f"> The full report could not be written: {text(why)}. Below is what the other agents found.",
        "",
        "## What is known",
        "",
    ]
    top = top_cause(outputs)
    lines.append(
        f"- **Most likely root cause:** {text(top.kind)} in {text(top.service)} ({top.confidence:.0%} confidence)"
        if top
        else "- **Most likely root cause:** not identified"
    )
    summary = final_summary(outputs, list(outputs), gaps)
    for a in summary["anomalies"][:FALLBACK_ITEMS]:
        lines.append(
            f"- **Anomaly:** {text(a['service'])} {text(a['metric'])} went {a['direction']} from "
            f"{a['baseline']:.4g} to {a['observed']:.4g}"
        )
    for p in summary["patterns"][:FALLBACK_ITEMS]:
        lines.append(f"- **Log pattern:** {text(p['template'], 200)} ({p['count']} lines, {p['level']})")
    for action in summary["actions"]["immediate"][:FALLBACK_ITEMS]:
        lines.append(f"- **Action:** {text(action['title'])}")
    lines += ["", "## What failed", ""]
    failed = gaps or [{"agent": REPORTER, "error": why}]
    lines += [f"- **{text(g['agent'])}:** {text(g['error'])}" for g in failed]
    return "\n".join(lines) + "\n"
