"""Reading and writing the memory through the store: fingerprints after each analysis or verdict, and the
precedents of a new incident."""

from __future__ import annotations

from core.memory.fingerprint import fingerprint_of
from core.memory.precedent import Precedent
from core.models import Incident
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
            )
        )
    return out
