"""The postmortem draft of an incident, in the sections SRE teams use, filled from its analysis.

Every section is either filled from what the tool knows (the report, the resolve note, the feedback) or
carries ``FOR_THE_TEAM``, the mark of a section the team must write; a draft is complete when no section is
empty. The team edits it on the incident page; every saved version is kept (``Store.save_postmortem``).
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from core.models import Feedback, Incident
from core.report.view import ReportView
from core.units import utc

#: The text of a section the tool cannot fill: the team writes it.
FOR_THE_TEAM = "_For the team to write._"
#: Who owns an action item until the team names someone.
UNASSIGNED = "unassigned"
#: The sections in the order a postmortem reads them (field name, heading).
SECTIONS: tuple[tuple[str, str], ...] = (
    ("summary", "Summary"),
    ("impact", "Impact"),
    ("detection", "Detection"),
    ("root_cause", "Root cause and trigger"),
    ("resolution", "Resolution"),
    ("timeline", "Timeline"),
    ("action_items", "Action items"),
    ("lessons", "Lessons learned"),
)
MAX_TIMELINE_ROWS = 12
#: Longest text of one section or the title (characters): a long postmortem is ~10 pages; this bounds a paste.
MAX_SECTION_CHARS = 20_000
#: Most action items one postmortem keeps: more is a backlog, not a follow-up list.
MAX_ACTION_ITEMS = 50


class ActionItem(BaseModel):
    """One follow-up with who owns it."""

    title: str
    owner: str = UNASSIGNED


class Postmortem(BaseModel):
    """One version of an incident's postmortem (Markdown text per section, action items as rows)."""

    incident_id: str
    title: str
    summary: str = FOR_THE_TEAM
    impact: str = FOR_THE_TEAM
    detection: str = FOR_THE_TEAM
    root_cause: str = FOR_THE_TEAM
    resolution: str = FOR_THE_TEAM
    timeline: str = FOR_THE_TEAM
    action_items: list[ActionItem] = Field(default_factory=list)
    lessons: str = FOR_THE_TEAM
    version: int = 0  # 0: a draft never saved; 1, 2...: the stored versions
    edited_by: str | None = None
    edited_at: float | None = None

    def missing(self) -> list[str]:
        """Headings of the sections that are empty (neither filled nor marked for the team)."""
        empty = [heading for name, heading in SECTIONS if name != "action_items" and not getattr(self, name).strip()]
        return empty + ([] if self.action_items else ["Action items"])

    def problems(self) -> list[str]:
        """What keeps this version from being saved, one sentence each (empty when it can be saved)."""
        out = ["The title is empty: give the postmortem a title."] if not self.title.strip() else []
        out += [  # a list without action items may be saved: "none" is an answer
            f'The section "{h}" is empty: write it, or put {FOR_THE_TEAM} in it.'
            for h in self.missing()
            if h != "Action items"
        ]
        texts = [("Title", self.title)] + [(h, getattr(self, n)) for n, h in SECTIONS if n != "action_items"]
        out += [
            f'The section "{h}" has {len(t):,} characters; the limit is {MAX_SECTION_CHARS:,}.'
            for h, t in texts
            if len(t) > MAX_SECTION_CHARS
        ]
        if len(self.action_items) > MAX_ACTION_ITEMS:
            out.append(f"There are {len(self.action_items)} action items; the limit is {MAX_ACTION_ITEMS}.")
        out += [
            f"Action item {n} has no title: name the action, or delete the row."
            for n, a in enumerate(self.action_items, start=1)
            if not a.title.strip()
        ]
        return out


def _impact(view: ReportView, incident: Incident) -> str:
    minutes = view.impact.duration_s / 60
    services = ", ".join(view.impact.services or incident.services) or "no service named"
    peaks = "; ".join(f"{metric} peaked at {value:.3g} on {svc}" for metric, (svc, value) in view.impact.peaks.items())
    return f"{incident.severity}, {minutes:.0f} min, services affected: {services}." + (f" {peaks}." if peaks else "")


def _root_cause(view: ReportView, feedback: Feedback | None) -> str:
    top = view.top_cause
    if top is None:
        return f"No cause was named: {view.no_cause_reason or 'the analysis did not finish'}. {FOR_THE_TEAM}"
    text = f"{top.name} (`{top.kind}`) on {top.service} ({top.confidence:.0%} confidence): {top.summary}"
    if feedback is not None:
        verdict = (
            "confirmed" if feedback.verdict == "right" else f"marked wrong (actual: {feedback.actual_cause or '?'})"
        )
        text += f" Responder {feedback.by} {verdict}."
    return text + " Trigger: " + FOR_THE_TEAM


def _timeline(view: ReportView) -> str:
    rows, _ = view.timeline_rows(MAX_TIMELINE_ROWS)
    return "\n".join(f"- {utc(row.ts)} {row.service}: {'; '.join(row.descriptions)}" for row in rows) or FOR_THE_TEAM


def draft(incident: Incident, feedback: Feedback | None = None) -> Postmortem:
    """The postmortem as the tool can write it from ``incident``'s stored report, resolve note and ``feedback``."""
    view = incident.final_summary or ReportView.pending(incident)
    rules = sorted({f"{s.rule} on {s.service}" for s in incident.signals})
    delays = view.detection.sentence() if view.detection else f"Detected at {utc(incident.detected_at)}."
    actions = view.actions.immediate + view.actions.long_term if view.actions else []
    return Postmortem(
        incident_id=incident.id,
        title=f"Postmortem: {incident.title}",
        summary=view.summary or FOR_THE_TEAM,
        impact=_impact(view, incident),
        detection=f"{delays} Rules that fired: {', '.join(rules) or 'none recorded'}.",
        root_cause=_root_cause(view, feedback),
        resolution=(
            f"Resolved by {incident.resolved_by or 'unknown'}: {incident.resolution_note}"
            if incident.resolution_note
            else FOR_THE_TEAM
        ),
        timeline=_timeline(view),
        action_items=[ActionItem(title=a.title) for a in actions],
        lessons=FOR_THE_TEAM,
    )
