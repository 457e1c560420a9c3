"""The analysis queue: which incident events start an analysis, at most one queued or running analysis per
incident, and one more after it when the incident changed while it ran.

An opened incident is analysed at once; an escalation at once too (the report must not state a stale
severity), after the running analysis if there is one; a join that brings new signals only when the last
analysis of the incident started ``REANALYSIS_MIN_GAP_SECONDS`` ago or more, so that a storm of joins does
not keep the agents busy. Analyses run on the queue's own threads, or inline when ``synchronous``
(simulations on a virtual clock, where detection must wait for the report).
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Protocol

from core.clock import Clock
from core.detection.lifecycle import IncidentEvent
from core.models import Incident
from core.orchestration.supervisor import ProgressCallback

log = logging.getLogger(__name__)

#: A joined incident is analysed again at most this often (clock seconds).
REANALYSIS_MIN_GAP_SECONDS = 30.0
#: Analyses that run at once (each one runs its agents on the runtime's agent pool).
ANALYSIS_THREADS = 2


class Analyzer(Protocol):
    """What the queue runs: one blocking analysis of one incident (``AnalysisService``)."""

    def analyze(self, incident_id: str, on_progress: ProgressCallback | None = None) -> Incident:
        """Analyse the incident now and return it as stored afterwards."""
        ...


class AnalysisQueue:
    """Starts analyses for incident events and requests; ``close()`` stops its threads."""

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
        self._again: set[str] = set()  # incidents that changed while their analysis ran: analyse once more
        self._lock = threading.Lock()

    def close(self) -> None:
        """Cancel queued analyses and wait for the running ones."""
        self._executor.shutdown(wait=True, cancel_futures=True)

    def on_event(self, event: IncidentEvent) -> None:
        """Start the analysis that ``event`` calls for, if any (see the module's docstring)."""
        incident_id = event.incident.id
        if event.kind == "opened":
            self._start(incident_id)
        elif event.kind == "updated" and event.escalated:  # at most twice: the report must not state a stale severity
            self._start(incident_id, again_if_running=True)
        elif event.kind == "updated" and event.new_signals:
            last = self._last_start.get(incident_id, float("-inf"))
            if self._clock.now() - last >= REANALYSIS_MIN_GAP_SECONDS:
                self._start(incident_id)

    def _start(self, incident_id: str, *, again_if_running: bool = False) -> None:
        self._last_start[incident_id] = self._clock.now()
        if self._synchronous:
            self._analyzer.analyze(incident_id)
        else:
            self.submit(incident_id, again_if_running=again_if_running)

    def submit(
        self, incident_id: str, on_progress: ProgressCallback | None = None, *, again_if_running: bool = False
    ) -> Future[Incident]:
        """Queue an analysis; while one is queued or running for this incident, that one is returned (and,
        with ``again_if_running``, another one follows it: the incident changed after it read it)."""
        with self._lock:
            pending = self._pending.get(incident_id)
            if pending is not None and not pending.done():
                if again_if_running:
                    self._again.add(incident_id)
                return pending
            future = self._executor.submit(self._analyzer.analyze, incident_id, on_progress)
            self._pending[incident_id] = future
        # outside the lock: a future that is already done runs its callbacks here, at once
        future.add_done_callback(_log_failure)
        future.add_done_callback(lambda _: self._follow_up(incident_id))
        return future

    def _follow_up(self, incident_id: str) -> None:
        with self._lock:
            if incident_id not in self._again:
                return
            self._again.discard(incident_id)
        try:
            self.submit(incident_id)
        except RuntimeError:  # the executor is shut down: the runtime is closing
            log.info("follow-up analysis of %s skipped: shutting down", incident_id)


def _log_failure(future: Future[Incident]) -> None:
    """Background analyses have no caller to raise to: their failures go to the log."""
    if not future.cancelled() and future.exception() is not None:
        log.error("analysis failed", exc_info=future.exception())
