"""The background detection loop: one thread per process, driven by the ``schedule`` package."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

import schedule

from core.clock import Clock

log = logging.getLogger(__name__)

_active_lock = threading.Lock()
_active: DetectionScheduler | None = None


class DetectionScheduler:
    """Calls ``job`` every ``interval_seconds`` in one daemon thread; a failing job is recorded, not fatal.

    ``job`` returns the problems of its run (e.g. a source that did not answer); they show as last error.

    Only one may run per process: starting a second while the first runs raises ``RuntimeError``.
    """

    def __init__(self, job: Callable[[], Sequence[str]], interval_seconds: float, clock: Clock) -> None:
        self._job = job
        self.interval_seconds = interval_seconds
        self._clock = clock
        self._schedule = schedule.Scheduler()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.ticks = 0
        self.last_tick: float | None = None
        self.last_tick_duration_ms: float | None = None
        self.last_error: str | None = None
        self.last_error_at: float | None = None

    def start(self) -> None:
        """Start the thread (the first poll runs at once)."""
        global _active
        with _active_lock:
            if _active is not None and _active.running:
                raise RuntimeError("A detection scheduler is already running in this process")
            _active = self
            # schedule types the interval as int; it builds a timedelta, so float seconds work
            self._schedule.every(self.interval_seconds).seconds.do(self._run_job)  # type: ignore[arg-type]
            self._thread = threading.Thread(target=self._loop, name="detection-scheduler", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to stop and wait for the current poll to finish."""
        global _active
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._schedule.clear()
        with _active_lock:
            if _active is self:
                _active = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    @property
    def next_run(self) -> float | None:
        """Wall-clock time of the next poll, None when stopped."""
        if not self.running or self._schedule.next_run is None:
            return None
        return self._schedule.next_run.timestamp()

    def _loop(self) -> None:
        self._run_job()
        while not self._stop.wait(min(0.2, self.interval_seconds / 5)):
            self._schedule.run_pending()

    def _run_job(self) -> None:
        started = time.perf_counter()
        try:
            problems = self._job()
            if problems:
                self.last_error, self.last_error_at = (
                    "; ".join(problems),
                    self._clock.now(),
                )
        except Exception as exc:  # the loop must survive anything a poll throws; recorded for the UI
            self.last_error = f"{type(exc).__name__}: {exc}"
            self.last_error_at = self._clock.now()
            log.exception("detection poll failed")
        finally:
            self.ticks += 1
            self.last_tick = self._clock.now()
            self.last_tick_duration_ms = (time.perf_counter() - started) * 1000
