"""Simulations: the demo shop, detection and the agents on a virtual clock, as fast as the CPU allows.

``simulate`` runs a warm-up without faults, injects the faults, polls every DETECTION_INTERVAL_SECONDS of
virtual time and analyses every incident at once (synchronously), so that the same seed gives the same
result. ``python -m core.cli simulate`` prints its result; the benchmarks score it. Faults come from the
command line (all at the end of the warm-up) or from a schedule file (``core.fault_schedule``).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import BaseModel, Field

from core.agents.base import AnalysisContext
from core.clock import VirtualClock
from core.config import Settings
from core.fault_schedule import FaultSpec
from core.memory import recall
from core.models import AnalysisStatus, Incident, IncidentStatus, InjectedFault, RootCause, Severity, root_causes
from core.report.view import ReportView
from core.runtime import Runtime
from core.sources.demo import DemoFactory
from core.store import Store

#: Virtual start of every simulation: 2026-01-01T12:00:00Z (midday traffic).
SIMULATION_START = 1_767_268_800.0
MAX_FAULT_SECONDS = 3600
#: The store writes telemetry five minutes of data time at a time (60 polls per commit, a few thousand rows)
#: instead of at every poll, because a commit costs more than the rest of a simulated poll; every read
#: flushes first, so nothing else changes.
WRITE_BEHIND_SECONDS = 300.0
#: With notifications on, how long a finished simulation waits for its due messages to be sent.
NOTIFY_DRAIN_SECONDS = 30.0


class SimulatedFault(InjectedFault):
    """An injected fault with when it started, in seconds after the warm-up."""

    start_s: float


class SimilarCause(BaseModel):
    """The cause an earlier incident was given (its top root cause)."""

    service: str | None
    kind: str | None


class SimilarEarlier(BaseModel):
    """An earlier incident of the same simulation similar to this one (``core.memory.similarity``)."""

    id: str
    similarity: float
    root_cause: SimilarCause


class SimulatedIncident(BaseModel):
    """One incident of a simulation: when it was detected, how long after the earliest fault it explains, and
    the ranked causes of its final analysis (``root_causes``) and of its first (``first_root_causes``)."""

    id: str
    severity: Severity
    status: IncidentStatus
    title: str
    services: list[str]
    detected_at: float
    detection_delay_s: float | None  # None when it explains no fault
    analysis_status: AnalysisStatus
    root_causes: list[RootCause]
    rca_markdown: str | None
    first_root_causes: list[RootCause] = Field(default_factory=list)
    faults: list[str] = Field(default_factory=list)  # ids of the faults it explains (``explained_faults``)
    revisions: int = 0  # analyses kept
    similar_incidents: list[SimilarEarlier] = []  # most similar first, at or above SIMILARITY_THRESHOLD

    @classmethod
    def of(
        cls,
        incident: Incident,
        explained: Sequence[InjectedFault],
        first: ReportView | None,
        revisions: int,
        similar: list[SimilarEarlier] | None = None,
    ) -> SimulatedIncident:
        """``incident``, found ``detected_at`` minus the start of the earliest of the ``explained`` faults
        seconds (to the millisecond) after it; ``first`` is the report of its first analysis, ``similar`` the
        earlier incidents like it."""
        start = min((fault.started_at for fault in explained), default=None)
        delay = None if start is None else round(incident.detected_at - start, 3)
        own = {"detection_delay_s", "root_causes", "similar_incidents"}
        shared = incident.model_dump(include=set(cls.model_fields) - own)
        return cls(
            **shared,
            detection_delay_s=delay,
            root_causes=root_causes(incident),
            first_root_causes=[RootCause.model_validate(c.model_dump()) for c in (first.causes if first else [])],
            faults=[fault.id for fault in explained],
            revisions=revisions,
            similar_incidents=similar or [],
        )


class SimulationResult(BaseModel):
    """What a simulation injected and every incident it opened, in order of detection."""

    seed: int
    faults: list[SimulatedFault]
    incidents: list[SimulatedIncident]


def explained_faults(incident: Incident, faults: Sequence[InjectedFault], linger: float) -> list[InjectedFault]:
    """The faults whose effects the incident's signals show: each signal is put down to the latest fault that
    started at or before it and had not ended ``linger`` seconds (the lifecycle's resolve wait) earlier."""
    found: dict[str, InjectedFault] = {}
    for signal in incident.signals:
        active = [f for f in faults if f.started_at <= signal.ts <= (f.stopped_at or f.expires_at) + linger]
        if active:
            latest = max(active, key=lambda f: f.started_at)
            found[latest.id] = latest
    return sorted(found.values(), key=lambda f: f.started_at)


def simulate(
    faults: list[FaultSpec],
    *,
    demo: DemoFactory,
    duration: float,
    warmup: float,
    seed: int,
    db: Path,
    settings: Settings,
    fault_duration: float | None = None,
    observe: Callable[[AnalysisContext], None] | None = None,
    http: bool = False,
    notify: bool = False,
) -> SimulationResult:
    """Run one simulation of the shop built by ``demo`` (``demo_service.DemoService``) with ``seed`` and
    ``settings`` (their database, seed and demo URL replaced): ``warmup`` seconds without faults, then each
    fault from its ``start_s`` after the warm-up (at the first poll from then) for its ``duration_s``, else
    ``fault_duration`` seconds, else to the end (at most MAX_FAULT_SECONDS), within ``duration``; ``observe``
    sees the context of every analysis (to record regression scenarios). The shop is reached in process
    (``core.sources.in_process``: the same requests, bytes and parsing without a socket), or with ``http`` over a
    real local port as the app does; both give the same result. Notifications are sent only with ``notify`` (to
    the configured channels, on the wall clock, waiting up to ``NOTIFY_DRAIN_SECONDS`` at the end)."""
    settings = settings.model_copy(update={"incident_db_path": db, "demo_seed": seed, "demo_service_url": None})
    clock = VirtualClock(SIMULATION_START)
    runtime = Runtime.start(
        settings,
        demo=demo,
        clock=clock,
        run_scheduler=False,
        synchronous_analysis=True,
        new_id=seeded_ids(seed),
        write_behind_seconds=WRITE_BEHIND_SECONDS,
        in_process_demo=not http,
        notify=notify,
    )
    if observe is not None:
        runtime.analysis.observers.append(observe)
    try:
        injected: list[SimulatedFault] = []
        waiting = list(faults)
        warm_end = SIMULATION_START + warmup
        end = warm_end + duration
        runtime.monitor.tick()
        while clock.now() < end:
            now = clock.now()
            for spec in [spec for spec in waiting if now >= warm_end + spec.start_s]:
                waiting.remove(spec)
                length = min(spec.duration_s or fault_duration or end - now, MAX_FAULT_SECONDS)
                fault = runtime.inject_fault(spec.type, spec.target, spec.intensity, max(1.0, length))
                injected.append(SimulatedFault(**fault.model_dump(), start_s=round(fault.started_at - warm_end, 3)))
            clock.advance(settings.detection_interval_seconds)
            runtime.monitor.tick()
        if notify:
            runtime.notifier.drain(NOTIFY_DRAIN_SECONDS)
        return SimulationResult(seed=seed, faults=injected, incidents=_incidents(runtime, injected))
    finally:
        runtime.close()


def _incidents(runtime: Runtime, faults: Sequence[InjectedFault]) -> list[SimulatedIncident]:
    """Every incident of the run in order of detection, with the faults it explains and its first analysis."""
    linger = runtime.settings.resolve_after_seconds
    found = []
    for incident in sorted(runtime.store.list_incidents(limit=10_000), key=lambda i: i.detected_at):
        revisions = runtime.store.revisions(incident.id)
        first = revisions[0].view if revisions else None
        explained = explained_faults(incident, faults, linger)
        similar = similar_earlier(runtime.store, incident, runtime.settings)
        found.append(SimulatedIncident.of(incident, explained, first, len(revisions), similar))
    return found


def similar_earlier(store: Store, incident: Incident, settings: Settings) -> list[SimilarEarlier]:
    """The incidents detected before ``incident`` whose fingerprints are at least SIMILARITY_THRESHOLD similar
    to its own, most similar first (none before its analysis stored a fingerprint)."""
    found = recall.similar_to(store, incident, settings.similarity_threshold, limit=10_000)
    return [
        SimilarEarlier(
            id=s.id, similarity=s.similarity, root_cause=SimilarCause(service=s.cause_service, kind=s.cause_kind)
        )
        for s in found
    ]


def seeded_ids(seed: int) -> Callable[[], str]:
    """Deterministic UUID4s for reproducible simulations."""
    rng = random.Random(seed)
    return lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4))
