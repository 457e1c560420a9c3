"""Simulations: the demo shop, detection and the agents on a virtual clock, as fast as the CPU allows.

``simulate`` runs a warm-up without faults, injects the faults, polls every DETECTION_INTERVAL_SECONDS of
virtual time and analyses every incident at once (synchronously), so that the same seed gives the same
result. ``python -m core.cli simulate`` prints its result; the benchmarks score it.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from core.agents.base import AnalysisContext
from core.clock import VirtualClock
from core.config import Settings
from core.models import AnalysisStatus, Incident, IncidentStatus, InjectedFault, RootCause, Severity, root_causes
from core.runtime import Runtime
from core.sources.demo import DemoFactory

#: Virtual start of every simulation: 2026-01-01T12:00:00Z (midday traffic).
SIMULATION_START = 1_767_268_800.0
MAX_FAULT_SECONDS = 3600
#: The store writes telemetry five minutes of data time at a time (60 polls per commit, a few thousand rows)
#: instead of at every poll, because a commit costs more than the rest of a simulated poll; every read
#: flushes first, so nothing else changes.
WRITE_BEHIND_SECONDS = 300.0
#: With notifications on, how long a finished simulation waits for its due messages to be sent.
NOTIFY_DRAIN_SECONDS = 30.0


@dataclass(frozen=True)
class FaultSpec:
    """A fault to inject: ``TYPE[:TARGET[:INTENSITY]]`` on the command line (target None: the kind's default)."""

    type: str
    target: str | None = None
    intensity: float = 1.0

    @classmethod
    def parse(cls, text: str) -> FaultSpec:
        """``TYPE[:TARGET[:INTENSITY]]``; raises ValueError naming the expected form or the bad intensity."""
        parts = text.split(":")
        if len(parts) > 3 or not parts[0]:
            raise ValueError(f"expected TYPE[:TARGET[:INTENSITY]], got {text!r}")
        try:
            intensity = float(parts[2]) if len(parts) == 3 else 1.0
        except ValueError as exc:
            raise ValueError(f"intensity must be a number in (0, 1], got {parts[2]!r}") from exc
        return cls(parts[0], parts[1] or None if len(parts) > 1 else None, intensity)


class SimulatedIncident(BaseModel):
    """One incident of a simulation, with how long after the first fault it was detected."""

    id: str
    severity: Severity
    status: IncidentStatus
    title: str
    services: list[str]
    detected_at: float
    detection_delay_s: float | None  # None without a fault
    analysis_status: AnalysisStatus
    root_causes: list[RootCause]
    rca_markdown: str | None

    @classmethod
    def of(cls, incident: Incident, fault_start: float | None) -> SimulatedIncident:
        """``incident`` as found ``detected_at - fault_start`` seconds (to the millisecond) after the fault."""
        delay = None if fault_start is None else round(incident.detected_at - fault_start, 3)
        shared = incident.model_dump(include=set(cls.model_fields) - {"detection_delay_s", "root_causes"})
        return cls(**shared, detection_delay_s=delay, root_causes=root_causes(incident))


class SimulationResult(BaseModel):
    """What a simulation injected and every incident it opened, in order of detection."""

    seed: int
    faults: list[InjectedFault]
    incidents: list[SimulatedIncident]


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
    ``settings`` (their database, seed and demo URL replaced): ``warmup`` seconds without faults, then
    ``faults`` for ``fault_duration`` seconds (default: to the end, at most MAX_FAULT_SECONDS) within
    ``duration``; ``observe`` sees the context of every analysis (to record regression scenarios). The shop
    is reached in process (``core.sources.in_process``: the same requests, bytes and parsing without a
    socket), or with ``http`` over a real local port as the app does; both give the same result. Notifications
    are sent only with ``notify`` (to the configured channels, on the wall clock, waiting up to
    ``NOTIFY_DRAIN_SECONDS`` at the end)."""
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
        injected: list[InjectedFault] = []
        end = SIMULATION_START + warmup + duration
        runtime.monitor.tick()
        while clock.now() < end:
            if faults and not injected and clock.now() >= SIMULATION_START + warmup:
                length = min(fault_duration or end - clock.now(), MAX_FAULT_SECONDS)
                injected = [
                    runtime.inject_fault(spec.type, spec.target, spec.intensity, max(1.0, length)) for spec in faults
                ]
            clock.advance(settings.detection_interval_seconds)
            runtime.monitor.tick()
        if notify:
            runtime.notifier.drain(NOTIFY_DRAIN_SECONDS)
        fault_start = min((fault.started_at for fault in injected), default=None)
        incidents = sorted(runtime.store.list_incidents(limit=10_000), key=lambda i: i.detected_at)
        return SimulationResult(
            seed=seed, faults=injected, incidents=[SimulatedIncident.of(i, fault_start) for i in incidents]
        )
    finally:
        runtime.close()


def seeded_ids(seed: int) -> Callable[[], str]:
    """Deterministic UUID4s for reproducible simulations."""
    rng = random.Random(seed)
    return lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4))
