"""Judged causes from stored verdicts: what ``calibrate --from-feedback`` fits the recalibration on.

A verdict judges the analysis that stood when it was given: the incident's latest revision finished by
then (its latest report when no revision is that old). "right" makes the top cause right; "wrong" makes it
wrong and, when the actual cause is written "kind on service" and listed, that cause right. The causes of
one competing group exclude each other, so once a group's right cause is known (or known to be none of
those listed) its other causes are wrong; the causes of other groups (independent causes) are not judged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.agents.recalibration import JudgedGroup, Label
from core.memory.fingerprint import parse_cause
from core.models import Feedback
from core.report.view import Cause, ReportView
from core.store import Store

#: Incidents read at most (the newest): bounds the cost; far more verdicts than a fit needs.
MAX_INCIDENTS = 10_000


@dataclass(frozen=True)
class Judged:
    """The judged groups of every usable verdict, and how many verdicts could not be used (no cause stated)."""

    verdicts: int
    skipped: int
    groups: list[JudgedGroup]


def labels(causes: Sequence[Cause], feedback: Feedback) -> list[Label]:
    """Each cause's label under ``feedback`` (see the module docstring); causes best first."""
    out: list[Label] = [None] * len(causes)
    if feedback.verdict == "right":
        settled = [0]
    else:
        actual = parse_cause(feedback.actual_cause)
        named = (actual[0].lower(), actual[1].lower()) if actual else None
        listed = [i for i, c in enumerate(causes) if i > 0 and (c.kind.lower(), c.service.lower()) == named]
        settled = [0, *listed] if actual else []
        out[0] = False
    for i in settled:  # the group of the top cause and that of the actual cause
        for j, cause in enumerate(causes):
            if cause.group == causes[i].group and out[j] is None:
                out[j] = False
    right = 0 if feedback.verdict == "right" else next((i for i in settled[1:]), None)
    if right is not None:
        out[right] = True
    return out


def judged_groups(view: ReportView, feedback: Feedback) -> list[JudgedGroup]:
    """The competing groups of ``view`` with at least one judged cause (none when it stated no cause)."""
    causes = view.causes
    if not causes:
        return []
    judged = labels(causes, feedback)
    out = []
    for group in sorted({c.group for c in causes}):
        members = [i for i, c in enumerate(causes) if c.group == group]
        if any(judged[i] is not None for i in members):
            base = tuple(_base(causes[i]) for i in members)
            out.append(JudgedGroup(base=base, labels=tuple(judged[i] for i in members)))
    return out


def _base(cause: Cause) -> float:
    """The confidence before any recalibration: recorded when one was applied, else the one stated."""
    return cause.base_confidence if cause.base_confidence is not None else cause.confidence


def judged_view(store: Store, incident_id: str, feedback: Feedback) -> ReportView | None:
    """The report the verdict was given on: the latest revision finished by then, else the latest report."""
    revisions = [r for r in store.revisions(incident_id) if r.view is not None]
    before = [r for r in revisions if r.finished_at <= feedback.created_at]
    if before:
        return before[-1].view
    return revisions[-1].view if revisions else store.get_incident(incident_id).final_summary


def collect(store: Store) -> Judged:
    """The judged groups of every incident's newest verdict, oldest incident first."""
    incidents = store.list_incidents(limit=MAX_INCIDENTS)
    verdicts = store.latest_feedback([i.id for i in incidents])
    groups: list[JudgedGroup] = []
    used = skipped = 0
    for incident in reversed(incidents):
        feedback = verdicts.get(incident.id)
        if feedback is None:
            continue
        view = judged_view(store, incident.id, feedback)
        found = judged_groups(view, feedback) if view is not None else []
        used, skipped = (used + 1, skipped) if found else (used, skipped + 1)
        groups += found
    return Judged(verdicts=used, skipped=skipped, groups=groups)
