"""The "similar past incidents" part of a report and the feedback note, in Markdown and HTML (escaped)."""

from __future__ import annotations

from core.memory.precedent import SimilarIncident
from core.report.escape import html_text as esc
from core.report.escape import markdown_cell as cell
from core.report.view import ReportView
from core.units import percent, utc

HEADERS = ("When", "Similarity", "Cause stated then", "Feedback", "How it ended", "Actions proposed (✓ checked)")
MAX_ACTIONS = 3


def checked_label(title: str, checked: list[str]) -> str:
    """An action's title, with "✓ checked" when a responder ticked it on that incident's checklist."""
    return f"{title} ✓ checked" if title in checked else title


def _row(s: SimilarIncident) -> tuple[str, ...]:
    cause = f"{s.cause_kind} on {s.cause_service}" if s.cause_kind else "no cause found"
    feedback = {"right": "confirmed", "wrong": f"wrong; actual: {s.actual_cause or '?'}"}.get(s.verdict or "", "none")
    shown = s.actions[:MAX_ACTIONS]
    shown += [title for title in s.actions_checked if title not in shown]  # a ticked action is always said
    actions = "; ".join(checked_label(title, s.actions_checked) for title in shown) or "none"
    return (
        f"{utc(s.detected_at)} {s.title}",
        percent(s.similarity),
        cause,
        feedback,
        s.resolution_note or "-",
        actions,
    )


def markdown_lines(view: ReportView) -> list[str]:
    """The section's lines: a table of the similar incidents, or a sentence when there is none."""
    if not view.similar:
        return ["No earlier incident is similar enough (SIMILARITY_THRESHOLD)."]
    out = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    out += ["| " + " | ".join(cell(v) for v in _row(s)) + " |" for s in view.similar]
    return out


def html_section(view: ReportView) -> str:
    """The section as an HTML table (a sentence when there is none)."""
    if not view.similar:
        return "<p class='meta'>No earlier incident is similar enough (SIMILARITY_THRESHOLD).</p>"
    head = "".join(f"<th>{esc(h)}</th>" for h in HEADERS)
    rows = "".join("<tr>" + "".join(f"<td>{esc(v)}</td>" for v in _row(s)) + "</tr>" for s in view.similar)
    return f"<table><tr>{head}</tr>{rows}</table>"


def feedback_note(view: ReportView) -> str | None:
    """How feedback on similar incidents changed the ranking (plain text), None when it did not."""
    return view.root_cause.feedback_note if view.root_cause else None
