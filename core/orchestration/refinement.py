"""Guarding an LLM refinement: the LLM may reword and re-rank the deterministic result, never invent."""

from __future__ import annotations

import re
from typing import Any

from core.models import (
    Action,
    AgentOutput,
    Evidence,
    LogAnalysisOutput,
    MitigationOutput,
    MonitoringOutput,
    ReportOutput,
    RootCauseOutput,
)


class RefinementRejected(ValueError):
    """An LLM refinement claims something the deterministic result does not support."""


_EXEC_SUMMARY = re.compile(r"^## Executive Summary[ \t]*\n(.*?)(?=^## |\Z)", re.MULTILINE | re.DOTALL)
_HTML_TAG = re.compile(r"<\s*[a-zA-Z!/]")


def merge_refinement(det: AgentOutput, ref: AgentOutput) -> AgentOutput:
    """``det`` with what ``ref`` may change (wording, order); raises ``RefinementRejected`` for inventions.

    Status, error and every number stay deterministic. Unknown output types take the summary only.
    """
    common: dict[str, Any] = {"summary": ref.summary.strip() or det.summary, "llm": None}
    if isinstance(det, RootCauseOutput) and isinstance(ref, RootCauseOutput):
        common.update(_root_cause(det, ref))
    elif isinstance(det, MonitoringOutput) and isinstance(ref, MonitoringOutput):
        order = _reorder([(a.service, a.metric) for a in det.anomalies], [(a.service, a.metric) for a in ref.anomalies])
        common["anomalies"] = [det.anomalies[i] for i in order]
    elif isinstance(det, LogAnalysisOutput) and isinstance(ref, LogAnalysisOutput):
        order = _reorder([p.template_id for p in det.patterns], [p.template_id for p in ref.patterns])
        common["patterns"] = [det.patterns[i] for i in order]
    elif isinstance(det, MitigationOutput) and isinstance(ref, MitigationOutput):
        common.update(_mitigation(det, ref))
    elif isinstance(det, ReportOutput) and isinstance(ref, ReportOutput):
        common.update(_report(det, ref))
    return det.model_copy(update=common)


def _reorder(det_keys: list[Any], ref_keys: list[Any]) -> list[int]:
    """Indexes of the deterministic items in the refined order, the ones it left out at the end."""
    index = {key: i for i, key in reversed(list(enumerate(det_keys)))}
    invented = [key for key in ref_keys if key not in index]
    if invented:
        raise RefinementRejected(f"it lists items the deterministic result does not have: {invented[:3]}")
    order = list(dict.fromkeys(index[key] for key in ref_keys))
    return order + [i for i in range(len(det_keys)) if i not in order]


def _root_cause(det: RootCauseOutput, ref: RootCauseOutput) -> dict[str, Any]:
    """Re-ranked hypotheses among the deterministic (service, kind) pairs, evidence kept from ``det``."""
    known = {(h.service, h.kind): h for h in det.hypotheses}
    invented = [f"{h.kind} on {h.service}" for h in ref.hypotheses if (h.service, h.kind) not in known]
    if invented:
        raise RefinementRejected(
            f"hypotheses {invented} are not among the deterministic candidates "
            f"{[f'{kind} on {service}' for service, kind in known]}"
        )
    if known and not ref.hypotheses:
        raise RefinementRejected("it drops every hypothesis the evidence supports")
    seen: dict[tuple[str, str], Any] = {}
    for h in ref.hypotheses:
        base = known[(h.service, h.kind)]
        seen.setdefault(
            (h.service, h.kind),
            h.model_copy(
                update={
                    "summary": h.summary.strip() or base.summary,
                    "evidence": _evidence(base.evidence, h.evidence),
                    "base_confidence": base.base_confidence,  # the agent's, never the model's (recalibration)
                }
            ),
        )
    total, allowed = sum(h.confidence for h in seen.values()), sum(h.confidence for h in det.hypotheses)
    if total > max(allowed, 1.0) + 1e-6:
        raise RefinementRejected(
            f"its confidences add up to {total:.2f}, more than the evidence supports ({allowed:.2f})"
        )
    hypotheses = sorted(seen.values(), key=lambda h: -h.confidence)
    reason = (ref.no_cause_reason or det.no_cause_reason) if not hypotheses else det.no_cause_reason
    return {"hypotheses": hypotheses, "no_cause_reason": reason}


def _evidence(det: list[Evidence], ref: list[Evidence]) -> list[Evidence]:
    """The deterministic evidence, in full, with the refined descriptions of the items the LLM kept."""
    rewordings: dict[tuple[Any, ...], list[str]] = {}
    for e in ref:
        if e.description.strip():
            rewordings.setdefault((e.kind, e.service, e.metric, e.template), []).append(e.description.strip())
    out = []
    for e in det:
        queue = rewordings.get((e.kind, e.service, e.metric, e.template))
        out.append(e.model_copy(update={"description": queue.pop(0)}) if queue else e)
    return out


def _mitigation(det: MitigationOutput, ref: MitigationOutput) -> dict[str, list[Action]]:
    """Reworded, reordered actions; a command the deterministic result does not propose is an invention."""
    allowed = {a.command.strip() for a in det.immediate + det.long_term if a.command}
    for action in ref.immediate + ref.long_term:
        if action.command and action.command.strip() not in allowed:
            raise RefinementRejected(f"action {action.title[:80]!r} carries a command that no playbook proposes")
    return {"immediate": ref.immediate or det.immediate, "long_term": ref.long_term or det.long_term}


def _report(det: ReportOutput, ref: ReportOutput) -> dict[str, str]:
    """The deterministic report with the refined Executive Summary spliced in; every other section kept."""
    new, old = _EXEC_SUMMARY.search(ref.markdown), _EXEC_SUMMARY.search(det.markdown)
    if new is None or not new.group(1).strip():
        raise RefinementRejected("its markdown has no '## Executive Summary' section")
    if old is None:
        raise RefinementRejected("the deterministic report has no Executive Summary to replace")
    body = new.group(1).strip()
    if _HTML_TAG.search(body) or re.search(r"^#", body, re.MULTILINE):
        raise RefinementRejected("its executive summary contains raw HTML or extra headings")
    partial = [line for line in old.group(1).splitlines() if line.startswith("> This report is partial")]
    if partial and "partial" not in body.lower():
        body += "\n\n" + "\n".join(partial)
    markdown = det.markdown[: old.start(1)] + "\n" + body + "\n\n" + det.markdown[old.end(1) :]
    title = ref.title.strip()
    return {"markdown": markdown, "title": title if title and "\n" not in title and len(title) <= 200 else det.title}
