"""The report written when the reporter agent failed: what the other agents found, and what failed."""

from __future__ import annotations

from core.report.escape import markdown_text as text
from core.report.view import ReportView

FALLBACK_ITEMS = 5  # anomalies, patterns and actions listed


def render_fallback(view: ReportView, why: str) -> str:
    """A minimal Markdown report of ``view``; ``why`` says why the full report could not be written."""
    lines = [
        f"# RCA (incomplete): {text(view.header.title)}",
        "",
        f"> The full report could not be written: {text(why)}. Below is what the other agents found.",
        "",
        "## What is known",
        "",
    ]
    top = view.top_cause
    lines.append(
        f"- **Most likely root cause:** {text(top.kind)} in {text(top.service)} ({top.confidence:.0%} confidence)"
        if top
        else "- **Most likely root cause:** not identified"
    )
    for a in view.anomalies[:FALLBACK_ITEMS]:
        lines.append(
            f"- **Anomaly:** {text(a.service)} {text(a.metric)} went {a.direction} from "
            f"{a.baseline:.4g} to {a.observed:.4g}"
        )
    for p in view.listed_patterns()[:FALLBACK_ITEMS]:
        lines.append(f"- **Log pattern:** {text(p.template, 200)} ({p.count} lines, {p.level})")
    for action in (view.actions.immediate if view.actions else [])[:FALLBACK_ITEMS]:
        lines.append(f"- **Action:** {text(action.title)}")
    lines += ["", "## What failed", ""]
    failed = [(g.agent, g.error or "did not run") for g in view.gaps] or [("reporter", why)]
    lines += [f"- **{text(agent)}:** {text(error)}" for agent, error in failed]
    return "\n".join(lines) + "\n"
