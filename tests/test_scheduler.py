"""The background scheduler: one per process, survives failing polls, reports its health."""

import threading

import pytest

from core.clock import SystemClock
from core.scheduler import DetectionScheduler


def test_survives_failures_and_reports_them() -> None:
    calls = []
    done = threading.Event()

    def job() -> list[str]:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("source down")
        if len(calls) == 2:
            return ["demo metrics: HTTP 503"]
        done.set()
        return []

    scheduler = DetectionScheduler(job, 0.05, SystemClock())
    scheduler.start()
    try:
        assert done.wait(5), "the loop stopped after a failing poll"
        assert scheduler.running
        assert scheduler.ticks >= 3
        assert scheduler.last_error in ("ConnectionError: source down", "demo metrics: HTTP 503")
        assert scheduler.last_error_at is not None and scheduler.last_tick is not None
        assert scheduler.next_run is not None
    finally:
        scheduler.stop()
    assert not scheduler.running and scheduler.next_run is None


def test_refuses_a_second_scheduler_in_the_same_process() -> None:
    first = DetectionScheduler(lambda: [], 10, SystemClock())
    first.start()
    try:
        with pytest.raises(RuntimeError, match="already running"):
            DetectionScheduler(lambda: [], 10, SystemClock()).start()
    finally:
        first.stop()
    second = DetectionScheduler(lambda: [], 10, SystemClock())
    second.start()  # allowed once the first stopped
    second.stop()
