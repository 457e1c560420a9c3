"""Cached reads for the pages: every function takes the runtime (not hashed) and hashable arguments.

The first argument after the runtime is the database path, so that two runtimes (e.g. two tests) never
share cached answers. Cached objects are shared between sessions: callers must not mutate them.
Call ``clear_incident_caches()`` after a change so that the next run reads fresh data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from core.agents.recalibration import FeedbackCalibration
from core.memory import recall
from core.memory.postmortem import Postmortem
from core.memory.precedent import SimilarIncident
from core.models import ActiveFault, FaultKind, Feedback, Incident, InjectedFault, LogEvent
from core.notify.outbox import OutboxMessage
from core.store.analyses import Revision

if TYPE_CHECKING:
    from core.runtime import Runtime

#: Seconds a cached query answer stays fresh; about one detection interval.
TTL_SECONDS = 4
#: Seconds a live answer stays fresh (active faults, the guided demo's polls): under one refresh of the page.
LIVE_TTL_SECONDS = 1
#: Seconds recurrence counts stay fresh: they change only when an analysis or a verdict finishes (the pages clear
#: them after their own), and counting costs a pass over every fingerprint.
RECURRENCE_TTL_SECONDS = 30
#: Seconds the demo service's fault catalogue stays fresh: it changes only when the service is redeployed.
CATALOGUE_TTL_SECONDS = 300


def db_key(runtime: Runtime) -> str:
    """The cache key of a runtime's data: its database path."""
    return str(runtime.store.path)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def metrics_window(
    _runtime: Runtime,
    db: str,
    start: float,
    end: float,
    services: tuple[str, ...] | None = None,
    metrics: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """Samples in ``[start, end]`` (``ts, service, metric, value``), optionally for some services/metrics."""
    return _runtime.store.metrics_frame(start, end, services=services, metrics=metrics)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def logs_window(
    _runtime: Runtime, db: str, start: float, end: float, services: tuple[str, ...] | None = None, limit: int = 2000
) -> list[LogEvent]:
    """Log events in ``[start, end]`` (the newest ``limit``), oldest first."""
    return _runtime.store.logs(start, end, services=services, limit=limit)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def latest_feedback(_runtime: Runtime, db: str, incident_ids: tuple[str, ...]) -> dict[str, Feedback]:
    """The newest RCA verdict per incident."""
    return _runtime.store.latest_feedback(incident_ids)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def incident_counts(_runtime: Runtime, db: str) -> dict[str, int]:
    """Incidents per status."""
    return _runtime.store.incident_counts()


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def incidents(
    _runtime: Runtime,
    db: str,
    statuses: tuple[str, ...] = (),
    severities: tuple[str, ...] = (),
    service: str | None = None,
    since: float | None = None,
    until: float | None = None,
    limit: int = 500,
) -> list[Incident]:
    """Incidents newest first, filtered like ``Store.list_incidents``."""
    return _runtime.store.list_incidents(
        statuses=list(statuses) or None,
        severities=list(severities) or None,
        service=service,
        since=since,
        until=until,
        limit=limit,
    )


@st.cache_data(ttl=LIVE_TTL_SECONDS, show_spinner=False)
def incidents_since(_runtime: Runtime, db: str, since: float, limit: int = 50) -> list[Incident]:
    """Incidents that started at or after ``since``, newest first, fresh to the second (for live polls)."""
    return _runtime.store.list_incidents(since=since, limit=limit)


@st.cache_data(ttl=LIVE_TTL_SECONDS, show_spinner=False)
def incident(_runtime: Runtime, db: str, incident_id: str) -> Incident:
    """One incident, fresh to the second; ``NotFoundError`` for an unknown id."""
    return _runtime.store.get_incident(incident_id)


@st.cache_data(ttl=LIVE_TTL_SECONDS, show_spinner=False)
def revisions(_runtime: Runtime, db: str, incident_id: str) -> list[Revision]:
    """Every analysis of one incident, first revision first, fresh to the second."""
    return _runtime.store.revisions(incident_id)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def schema_version(_runtime: Runtime, db: str) -> int:
    """The database's schema version: the highest migration applied."""
    return _runtime.store.schema_version()


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def calibration(_runtime: Runtime, db: str) -> FeedbackCalibration | None:
    """The recalibration in force (``calibrate --from-feedback``), None when none was ever stored."""
    return _runtime.store.latest_calibration()


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def faults_between(_runtime: Runtime, db: str, start: float, end: float) -> list[InjectedFault]:
    """Injected faults active at some point in ``[start, end]``."""
    return _runtime.store.faults(start, end)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def demo_health(_runtime: Runtime, db: str) -> dict[str, Any] | None:
    """The demo service's /health answer, None when it does not answer."""
    return _runtime.demo_health()


@st.cache_data(ttl=CATALOGUE_TTL_SECONDS, show_spinner=False)
def fault_catalogue(_runtime: Runtime, db: str) -> list[FaultKind]:
    """The fault kinds the demo service can inject (``SourceError`` when it is unreachable)."""
    return _runtime.fault_catalogue()


@st.cache_data(ttl=LIVE_TTL_SECONDS, show_spinner=False)
def active_faults(_runtime: Runtime, db: str) -> list[ActiveFault]:
    """The faults the demo service applies now."""
    return _runtime.active_faults()


@st.cache_data(ttl=LIVE_TTL_SECONDS, show_spinner=False)
def notifications(_runtime: Runtime, db: str, limit: int = 50) -> list[OutboxMessage]:
    """The newest messages of the notification outbox, with their delivery state."""
    return _runtime.store.notifications(limit=limit)


@st.cache_data(ttl=LIVE_TTL_SECONDS, show_spinner=False)
def notification_counts(_runtime: Runtime, db: str) -> dict[str, int]:
    """How many notifications are pending, delivered and failed."""
    return _runtime.store.notification_counts()


@st.cache_data(ttl=RECURRENCE_TTL_SECONDS, show_spinner="Counting recurring incidents…")
def recurrences(_runtime: Runtime, db: str, threshold: float, of: tuple[str, ...]) -> dict[str, int]:
    """Incident id (of those in ``of``) -> number of earlier incidents at least ``threshold`` similar."""
    return recall.recurrences(_runtime.store, threshold, set(of))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def similar_incidents(_runtime: Runtime, db: str, incident_id: str, threshold: float) -> list[SimilarIncident]:
    """The earlier incidents similar to this one, most similar first, with their outcome as stored now."""
    return recall.similar_to(_runtime.store, _runtime.store.get_incident(incident_id), threshold)


@st.cache_data(ttl=LIVE_TTL_SECONDS, show_spinner=False)
def postmortem_versions(_runtime: Runtime, db: str, incident_id: str) -> list[Postmortem]:
    """Every saved version of the incident's postmortem, newest first."""
    return _runtime.store.postmortem_versions(incident_id)


def clear_incident_caches() -> None:
    """Forget cached incident lists and counts (after an analysis, acknowledgement or resolution)."""
    incidents.clear()
    incidents_since.clear()
    incident.clear()
    revisions.clear()
    incident_counts.clear()
    latest_feedback.clear()
    recurrences.clear()
    similar_incidents.clear()
    postmortem_versions.clear()


def clear_fault_caches() -> None:
    """Forget cached fault lists (after an injection or a stop)."""
    faults_between.clear()
    active_faults.clear()
