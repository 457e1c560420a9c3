"""The analysis queue: when an incident is analysed (again), at most one analysis queued or running per incident,
and one more after it when the incident changed while it ran.

The analysis follows the incident while it is open; every analysis becomes a revision (``core.report.revision``):

- ``opened``: at once;
- ``escalated``: at once, after the running analysis if there is one (the report must not state a stale
  severity);
- ``new_evidence``: a signal from a service or of a rule the incident did not have yet; analysed at once
  unless an analysis of the incident started less than ``EVIDENCE_MIN_GAP_SECONDS`` ago, then when that
  gap has passed (a storm of joins does not keep the agents busy, and the last change is never dropped);
- ``scheduled``: ``SCHEDULE_SECONDS`` after the incident opened (15, 30, 60 and 120 s), then at every
  doubling (240, 480 s...), because a longer window holds more evidence than the first seconds of an
  incident; skipped when another analysis started less than ``EVIDENCE_MIN_GAP_SECONDS`` before;
- ``resolved``: once more when it resolves, over the whole incident;
- ``rerun``: whenever someone asks (``submit``).

The monitor calls ``on_event`` with each incident event and ``poll`` after each detection poll. Analyses run
on the queue's own threads, or inline when ``synchronous`` (simulations on a virtual clock, where detection
must wait for the report).
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from core.clock import Clock
from core.detection.lifecycle import IncidentEvent
from core.models import Incident
from core.orchestration.supervisor import ProgressCallback
from core.report.revision import Reason

log = logging.getLogger(__name__)

#: Re-analyses of an open incident this many seconds after it opened; after the last, at every doubling.
SCHEDULE_SECONDS: tuple[float, ...] = (15.0, 30.0, 60.0, 120.0)
#: An incident whose evidence changed is analysed again at most this often (clock seconds): two polls.
EVIDENCE_MIN_GAP_SECONDS = 10.0
#: Analyses that run at once (each one runs its agents on the runtime's agent pool).
ANALYSIS_THREADS = 2


class Analyzer(Protocol):
    """What the queue runs: one blocking analysis of one incident (``AnalysisService``)."""

    def analyze(
        self, incident_id: str, on_progress: ProgressCallback | None = None, *, reason: Reason = "rerun"
    ) -> Incident:
        """Analyse the incident now, keep it as a revision run for ``reason``, and return the incident."""
        ...


@dataclass
class _Plan:
    """The re-analyses an open incident is owed: the next scheduled one, and a change not analysed yet."""

    opened_at: float
    step: int = 0  # index of the next scheduled re-analysis
    owed: Reason | None = None  # evidence that changed within the gap, analysed once the gap has passed

    def due(self) -> float:
        """When the next scheduled re-analysis is due (clock seconds)."""
        first = SCHEDULE_SECONDS
        if self.step < len(first):
            return self.opened_at + first[self.step]
        return self.opened_at + first[-1] * 2 ** (self.step - len(first) + 1)


def new_evidence(event: IncidentEvent) -> bool:
    """True when the event's fresh signals bring a service or a rule the incident did not have before."""
    fresh = {(s.rule, s.service) for s in event.new_signals}
    earlier = [s for s in event.incident.signals if (s.rule, s.service) not in fresh]
    rules, services = {s.rule for s in earlier}, {s.service for s in earlier}
    return any(rule not in rules or service not in services for rule, service in fresh)


class AnalysisQueue:
    """Starts analyses for incident events, polls and requests; ``close()`` stops its threads."""

    def __init__(
        self,
        analyzer: Analyzer,
        clock: Clock,
        *,
        executor: Executor | None = None,
        synchronous: bool = False,
    ) -> None:
        self._analyzer = analyzer
        self._clock = clock
        self._synchronous = synchronous
        self._executor = executor or ThreadPoolExecutor(ANALYSIS_THREADS, thread_name_prefix="analysis")
        self._pending: dict[str, Future[Incident]] = {}
        self._last_start: dict[str, float] = {}
        self._plans: dict[str, _Plan] = {}  # open incidents and the re-analyses they are owed
        self._again: dict[str, Reason] = {}  # incidents that changed while their analysis ran: analyse once more
        self._lock = threading.Lock()

    def close(self) -> None:
        """Cancel queued analyses and wait for the running ones."""
        self._executor.shutdown(wait=True, cancel_futures=True)

    def track(self, incident: Incident) -> None:
        """Follow an open incident that was opened before this queue existed (a restart): its scheduled
        re-analyses go on from now."""
        plan = _Plan(incident.detected_at)
        now = self._clock.now()
        while plan.due() <= now:
            plan.step += 1
        with self._lock:
            self._plans.setdefault(incident.id, plan)

    def on_event(self, event: IncidentEvent) -> None:
        """Start or owe the analysis that ``event`` calls for, if any (see the module's docstring)."""
        incident_id = event.incident.id
        if event.kind == "opened":
            with self._lock:
                self._plans[incident_id] = _Plan(event.incident.detected_at)
            self._start(incident_id, "opened")
        elif event.kind == "resolved":
            self.resolved(incident_id)
        elif event.escalated:
            self._start(incident_id, "escalated", again_if_running=True)
        elif new_evidence(event):
            if self._since_last(incident_id) >= EVIDENCE_MIN_GAP_SECONDS:
                self._start(incident_id, "new_evidence", again_if_running=True)
            else:
                with self._lock:
                    if incident_id in self._plans:
                        self._plans[incident_id].owed = "new_evidence"

    def resolved(self, incident_id: str) -> None:
        """The incident resolved: analyse it once more, over its whole window, and stop following it."""
        with self._lock:
            self._plans.pop(incident_id, None)
        self._start(incident_id, "resolved", again_if_running=True)

    def poll(self) -> None:
        """Start the analyses that came due: owed changes whose gap has passed, and scheduled re-analyses."""
        now = self._clock.now()
        with self._lock:
            plans = list(self._plans.items())
        for incident_id, plan in plans:
            since = self._since_last(incident_id)
            reason: Reason | None = None
            if plan.owed is not None and since >= EVIDENCE_MIN_GAP_SECONDS:
                reason, plan.owed = plan.owed, None
            if plan.due() <= now:
                while plan.due() <= now:
                    plan.step += 1
                if reason is None and since >= EVIDENCE_MIN_GAP_SECONDS:
                    reason = "scheduled"
            if reason is not None:
                self._start(incident_id, reason)

    def _since_last(self, incident_id: str) -> float:
        with self._lock:
            return self._clock.now() - self._last_start.get(incident_id, float("-inf"))

    def _start(self, incident_id: str, reason: Reason, *, again_if_running: bool = False) -> None:
        if self._synchronous:
            with self._lock:
                self._last_start[incident_id] = self._clock.now()
            self._analyzer.analyze(incident_id, reason=reason)
        else:
            self.submit(incident_id, again_if_running=again_if_running, reason=reason)

    def submit(
        self,
        incident_id: str,
        on_progress: ProgressCallback | None = None,
        *,
        again_if_running: bool = False,
        reason: Reason = "rerun",
    ) -> Future[Incident]:
        """Queue an analysis run for ``reason``; while one is queued or running for this incident, that one is
        returned (and, with ``again_if_running``, another one follows it: the incident changed after it read it)."""
        with self._lock:
            self._last_start[incident_id] = self._clock.now()
            pending = self._pending.get(incident_id)
            if pending is not None and not pending.done():
                if again_if_running:
                    self._again[incident_id] = reason
                return pending
            future = self._executor.submit(self._run, incident_id, on_progress, reason)
            self._pending[incident_id] = future
        # outside the lock: a future that is already done runs its callbacks here, at once
        future.add_done_callback(_log_failure)
        future.add_done_callback(lambda _: self._follow_up(incident_id))
        return future

    def _run(self, incident_id: str, on_progress: ProgressCallback | None, reason: Reason) -> Incident:
        return self._analyzer.analyze(incident_id, on_progress, reason=reason)

    def _follow_up(self, incident_id: str) -> None:
        with self._lock:
            reason = self._again.pop(incident_id, None)
        if reason is None:
            return
        try:
            self.submit(incident_id, reason=reason)
        except RuntimeError:  # the executor is shut down: the runtime is closing
            log.info("follow-up analysis of %s skipped: shutting down", incident_id)


def _log_failure(future: Future[Incident]) -> None:
    """Background analyses have no caller to raise to: their failures go to the log."""
    if not future.cancelled() and future.exception() is not None:
        log.error("analysis failed", exc_info=future.exception())
