"""Reading and writing the memory through the store: fingerprints after each analysis or verdict, the precedents
of a new incident, the incidents similar to a stored one, how often each recurred, and its postmortem."""

from __future__ import annotations

from collections.abc import Collection

from core.errors import InvalidInputError
from core.memory.fingerprint import fingerprint_of
from core.memory.postmortem import SECTIONS, UNASSIGNED, ActionItem, Postmortem, draft
from core.memory.precedent import MAX_SIMILAR, Precedent, SimilarIncident, similar_incidents
from core.memory.recurrence import recurrence_counts
from core.models import Incident
from core.redaction import redact_urls_in
from core.store import Store

#: Precedents read for one analysis at most (the newest are kept): bounds the cost of a long history.
MAX_PRECEDENTS = 2000


def record(store: Store, incident: Incident, at: float) -> None:
    """Store the fingerprint of ``incident`` as it is now (its report and its newest verdict)."""
    latest = store.latest_feedback([incident.id]).get(incident.id)
    store.save_fingerprint(incident.id, incident.detected_at, fingerprint_of(incident, latest), at)


def precedents(store: Store, before: float | None = None) -> list[Precedent]:
    """Every fingerprinted incident detected before ``before`` (all when None), with its outcome; oldest first."""
    prints = store.fingerprints(before)[-MAX_PRECEDENTS:]
    if not prints:
        return []
    ids = [incident_id for incident_id, _, _ in prints]
    incidents = {i.id: i for i in store.incidents_by_id(ids)}
    verdicts = store.latest_feedback(ids)
    checked = store.checked_actions(ids)
    out = []
    for incident_id, detected_at, fingerprint in prints:
        incident = incidents.get(incident_id)
        if incident is None:
            continue
        verdict = verdicts.get(incident_id)
        view = incident.final_summary
        out.append(
            Precedent(
                id=incident_id,
                title=incident.title,
                detected_at=detected_at,
                fingerprint=fingerprint,
                cause_service=incident.root_cause_service,
                cause_kind=incident.root_cause_kind,
                verdict=verdict.verdict if verdict else None,
                actual_cause=verdict.actual_cause if verdict else "",
                resolution_note=incident.resolution_note,
                actions=[a.title for a in view.actions.immediate] if view and view.actions else [],
                actions_checked=checked.get(incident_id, []),
            )
        )
    return out


def similar_to(store: Store, incident: Incident, threshold: float, limit: int = MAX_SIMILAR) -> list[SimilarIncident]:
    """The incidents detected before ``incident`` at least ``threshold`` similar to it, most similar first, with
    their outcome as stored now (feedback, resolve note, actions checked); empty before its first fingerprint."""
    target = store.fingerprint(incident.id)
    if target is None:
        return []
    return similar_incidents(target, precedents(store, before=incident.detected_at), threshold, limit=limit)


def recurrences(store: Store, threshold: float, of: Collection[str] | None = None) -> dict[str, int]:
    """Incident id -> number of earlier incidents at least ``threshold`` similar (ids without any left out)."""
    return recurrence_counts(store.fingerprints(), threshold, of)


def postmortem(store: Store, incident_id: str) -> Postmortem:
    """The newest saved version of the incident's postmortem, else the draft written from its report (version 0);
    ``NotFoundError`` for an unknown incident."""
    incident = store.get_incident(incident_id)
    versions = store.postmortem_versions(incident_id)
    if versions:
        return versions[0]
    return draft(incident, store.latest_feedback([incident_id]).get(incident_id))


def redacted(pm: Postmortem) -> Postmortem:
    """``pm`` with every URL in its text reduced to where it points (no credentials, query or fragment)."""
    texts = {name: redact_urls_in(getattr(pm, name)) for name, _ in SECTIONS if name != "action_items"}
    items = [
        ActionItem(title=redact_urls_in(a.title.strip()), owner=redact_urls_in(a.owner.strip()) or UNASSIGNED)
        for a in pm.action_items
    ]
    return pm.model_copy(update={**texts, "title": redact_urls_in(pm.title), "action_items": items})


def save_postmortem(store: Store, pm: Postmortem, by: str, at: float) -> Postmortem:
    """Store ``pm`` (its URLs redacted) as the next version of its incident's postmortem, edited by ``by`` (or
    "anonymous") at ``at``; ``InvalidInputError`` listing every problem when it cannot be saved, ``NotFoundError``
    for an unknown incident. Returns the version as stored."""
    store.get_incident(pm.incident_id)
    cleaned = redacted(
        pm.model_copy(update={"action_items": [a for a in pm.action_items if a.title.strip() or a.owner.strip()]})
    )
    problems = cleaned.problems()
    if problems:
        raise InvalidInputError("The postmortem was not saved: " + " ".join(problems))
    return store.save_postmortem(cleaned, by=by.strip() or "anonymous", at=at)
