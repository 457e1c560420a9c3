"""The analysis queue: which events start an analysis, one analysis per incident at a time, the follow-up
when an incident changes under its analysis, and no deadlock when an analysis is done before its callbacks
are added. The first tests use a recording analyzer; the last two the whole runtime and its reports."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any

import pytest

from core.clock import VirtualClock
from core.config import Settings
from core.detection.lifecycle import IncidentEvent
from core.models import Incident, Signal
from core.orchestration.queue import EVIDENCE_MIN_GAP_SECONDS, AnalysisQueue, new_evidence
from core.orchestration.supervisor import ProgressCallback
from core.runtime import Runtime
from demo_service import DemoService
from tests.factories import checkout_incident

T0 = 1_767_225_600.0


def _incident(incident_id: str = "inc-1", severity: str = "SEV3", ts: float = T0) -> Incident:
    return checkout_incident(incident_id, ts, severity)


class RecordingAnalyzer:
    """Answers every analysis with the incident it was asked about; ``hold`` keeps analyses running."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.reasons: list[str] = []
        self.hold = threading.Event()
        self.hold.set()
        self._lock = threading.Lock()

    def analyze(
        self, incident_id: str, on_progress: ProgressCallback | None = None, *, reason: str = "rerun"
    ) -> Incident:
        with self._lock:
            self.calls.append(incident_id)
            self.reasons.append(reason)
        assert self.hold.wait(30), "an analysis was held for 30 s"
        return _incident(incident_id)


class InlineExecutor(Executor):
    """Runs each task at once in the caller's thread (every future it returns is already done), except the
    first ``held`` tasks, which wait for ``release()``."""

    def __init__(self, held: int = 0) -> None:
        self._held = held
        self._waiting: list[tuple[Future[Any], Callable[[], Any]]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        if len(self._waiting) < self._held:
            self._waiting.append((future, lambda: fn(*args, **kwargs)))
        else:
            _run(future, lambda: fn(*args, **kwargs))
        return future

    def release(self) -> None:
        """Run the held tasks now, in this thread."""
        waiting, self._waiting, self._held = self._waiting, [], 0
        for future, task in waiting:
            _run(future, task)


def _run(future: Future[Any], task: Callable[[], Any]) -> None:
    try:
        future.set_result(task())
    except Exception as exc:
        future.set_exception(exc)


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(T0)


def _joined(incident: Incident, signal: Signal) -> IncidentEvent:
    """The event of ``signal`` joining ``incident``."""
    return IncidentEvent("updated", incident.model_copy(update={"signals": [*incident.signals, signal]}), (signal,))


def _signal(rule: str, service: str, ts: float = T0) -> Signal:
    return Signal(rule=rule, service=service, value=1.0, threshold=0.5, ts=ts, message=f"{rule} on {service}")


def test_new_evidence_is_analysed_at_once_or_when_the_gap_has_passed(clock: VirtualClock) -> None:
    analyzer = RecordingAnalyzer()
    queue = AnalysisQueue(analyzer, clock, synchronous=True)
    incident = _incident()
    queue.on_event(IncidentEvent("opened", incident))
    clock.advance(EVIDENCE_MIN_GAP_SECONDS - 1)
    queue.on_event(_joined(incident, _signal("latency_p95", "frontend")))  # a new service, within the gap: owed
    queue.on_event(_joined(incident, _signal("error_rate", "checkout")))  # nothing new: never analysed for it
    queue.poll()
    assert analyzer.reasons == ["opened"]
    clock.advance(1)
    queue.poll()  # the gap has passed: the owed change is analysed, once
    queue.poll()
    assert analyzer.reasons == ["opened", "new_evidence"]
    clock.advance(EVIDENCE_MIN_GAP_SECONDS)
    queue.on_event(_joined(incident, _signal("db_pool", "checkout")))  # a new rule, after the gap: at once
    assert analyzer.reasons == ["opened", "new_evidence", "new_evidence"]
    queue.on_event(IncidentEvent("resolved", incident))
    assert analyzer.reasons[-1] == "resolved"


def test_new_evidence_means_a_new_service_or_a_new_rule() -> None:
    incident = _incident()  # error_rate on checkout
    assert new_evidence(_joined(incident, _signal("error_rate", "frontend")))
    assert new_evidence(_joined(incident, _signal("db_pool", "checkout")))
    two = incident.model_copy(update={"signals": [*incident.signals, _signal("latency_p95", "frontend")]})
    assert not new_evidence(_joined(two, _signal("latency_p95", "checkout")))  # both already seen, apart
    assert not new_evidence(IncidentEvent("updated", incident))


def test_an_open_incident_is_analysed_again_at_growing_intervals_until_it_resolves(clock: VirtualClock) -> None:
    analyzer = RecordingAnalyzer()
    queue = AnalysisQueue(analyzer, clock, synchronous=True)
    incident = _incident()  # detected at T0
    queue.on_event(IncidentEvent("opened", incident))
    times = []
    while clock.now() < T0 + 500:
        clock.advance(5)
        before = len(analyzer.calls)
        queue.poll()
        times += [clock.now() - T0] * (len(analyzer.calls) - before)
    assert times == [15, 30, 60, 120, 240, 480]  # SCHEDULE_SECONDS, then every doubling
    assert analyzer.reasons == ["opened"] + ["scheduled"] * 6
    queue.on_event(IncidentEvent("resolved", incident))
    clock.advance(1000)
    queue.poll()
    assert analyzer.reasons[-1] == "resolved" and len(analyzer.calls) == 8  # nothing after the resolution


def test_a_scheduled_analysis_is_skipped_right_after_another_one(clock: VirtualClock) -> None:
    analyzer = RecordingAnalyzer()
    queue = AnalysisQueue(analyzer, clock, synchronous=True)
    incident = _incident()
    queue.on_event(IncidentEvent("opened", incident))
    clock.advance(12)
    queue.on_event(_joined(incident, _signal("latency_p95", "frontend")))  # analysed at +12 s
    clock.advance(3)
    queue.poll()  # +15 s is due, 3 s after the last analysis: not again
    clock.advance(15)
    queue.poll()  # +30 s
    assert analyzer.reasons == ["opened", "new_evidence", "scheduled"]


def test_an_incident_open_across_a_restart_keeps_its_schedule(clock: VirtualClock) -> None:
    analyzer = RecordingAnalyzer()
    queue = AnalysisQueue(analyzer, clock, synchronous=True)
    clock.advance(40)
    queue.track(_incident())  # opened at T0, 40 s ago: the next re-analysis is at +60 s
    queue.poll()
    clock.advance(19)
    queue.poll()
    assert analyzer.calls == []
    clock.advance(1)
    queue.poll()
    assert analyzer.reasons == ["scheduled"]


def test_an_escalation_is_analysed_at_once_even_within_the_gap(clock: VirtualClock) -> None:
    analyzer = RecordingAnalyzer()
    queue = AnalysisQueue(analyzer, clock, synchronous=True)
    queue.on_event(IncidentEvent("opened", _incident()))
    queue.on_event(IncidentEvent("updated", _incident(severity="SEV1"), escalated=True))
    assert analyzer.reasons == ["opened", "escalated"]


def test_requests_join_the_running_analysis_and_a_change_adds_exactly_one_more(clock: VirtualClock) -> None:
    analyzer = RecordingAnalyzer()
    analyzer.hold.clear()
    queue = AnalysisQueue(analyzer, clock)
    try:
        first = queue.submit("inc-1")
        other = queue.submit("inc-2")  # another incident gets its own analysis
        assert queue.submit("inc-1") is first
        assert queue.submit("inc-1", again_if_running=True) is first
        assert queue.submit("inc-1", again_if_running=True) is first  # twice asked, one follow-up
        analyzer.hold.set()
        first.result(30)
        other.result(30)
        deadline = time.monotonic() + 30
        while analyzer.calls.count("inc-1") < 2:
            assert time.monotonic() < deadline, analyzer.calls
            time.sleep(0.01)
    finally:
        queue.close()
    assert sorted(analyzer.calls) == ["inc-1", "inc-1", "inc-2"]


def test_an_analysis_done_before_its_callbacks_are_added_follows_up_without_deadlock(clock: VirtualClock) -> None:
    analyzer = RecordingAnalyzer()
    executor = InlineExecutor(held=1)
    queue = AnalysisQueue(analyzer, clock, executor=executor)
    first = queue.submit("inc-1")
    assert queue.submit("inc-1", again_if_running=True) is first  # the incident changed while it was queued
    finished = threading.Event()

    def finish() -> None:
        executor.release()  # its follow-up is submitted and done at once, so its callbacks run inside submit
        finished.set()

    threading.Thread(target=finish, daemon=True).start()
    assert finished.wait(10), "the follow-up of an analysis deadlocked"
    assert analyzer.calls == ["inc-1", "inc-1"]


def test_a_failed_analysis_is_logged_and_the_next_request_runs(
    clock: VirtualClock, caplog: pytest.LogCaptureFixture
) -> None:
    class Failing(RecordingAnalyzer):
        def analyze(
            self, incident_id: str, on_progress: ProgressCallback | None = None, *, reason: str = "rerun"
        ) -> Incident:
            super().analyze(incident_id, on_progress, reason=reason)
            raise RuntimeError("agents crashed")

    analyzer = Failing()
    queue = AnalysisQueue(analyzer, clock, executor=InlineExecutor())
    with pytest.raises(RuntimeError):
        queue.submit("inc-1").result()
    queue.submit("inc-1")
    assert analyzer.calls == ["inc-1", "inc-1"]
    assert "analysis failed" in caplog.text


def test_a_follow_up_after_close_is_skipped(clock: VirtualClock, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="core.orchestration.queue")
    analyzer = RecordingAnalyzer()
    analyzer.hold.clear()
    queue = AnalysisQueue(analyzer, clock)
    running = queue.submit("inc-1", again_if_running=True)
    queue.submit("inc-1", again_if_running=True)
    closing = threading.Thread(target=queue.close)
    closing.start()
    time.sleep(0.05)  # close() is waiting for the running analysis
    analyzer.hold.set()
    closing.join(30)
    assert running.done() and analyzer.calls == ["inc-1"]
    assert caplog.text.count("follow-up analysis of inc-1 skipped") == 1


# --- through the runtime: the reports state what the incident became -------------------------------


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, incident_db_path=tmp_path / "queue.duckdb")


def _saved_incident(runtime: Runtime, incident_id: str, severity: str = "SEV3") -> Incident:
    incident = _incident(incident_id, severity, runtime.clock.now())
    runtime.store.save_incident(incident)
    return incident


def _wait_for_report(runtime: Runtime, incident_id: str, phrase: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while phrase not in (runtime.store.get_incident(incident_id).rca_markdown or ""):
        assert time.monotonic() < deadline, f"no report saying {phrase!r} within {timeout:.0f} s"
        time.sleep(0.05)


def test_an_escalation_is_analysed_again_at_once_so_the_report_states_the_new_severity(settings: Settings) -> None:
    runtime = Runtime.start(
        settings, demo=DemoService, clock=VirtualClock(), run_scheduler=False, synchronous_analysis=True
    )
    try:
        incident = _saved_incident(runtime, "esc-1")
        runtime.queue.on_event(IncidentEvent("opened", incident))
        assert "SEV3 incident" in runtime.store.get_incident("esc-1").rca_markdown
        runs = len(runtime.store.agent_runs("esc-1"))

        joined = runtime.store.update_incident("esc-1", updated_at=runtime.clock.now())
        runtime.queue.on_event(IncidentEvent("updated", joined, new_signals=tuple(joined.signals)))
        assert len(runtime.store.agent_runs("esc-1")) == runs  # no new service or rule: not analysed again

        escalated = runtime.store.update_incident("esc-1", severity="SEV1")
        runtime.queue.on_event(IncidentEvent("updated", escalated, escalated=True))
        assert "SEV1 incident" in runtime.store.get_incident("esc-1").rca_markdown
        assert len(runtime.store.agent_runs("esc-1")) == 2 * runs
    finally:
        runtime.close()


@pytest.mark.slow
def test_an_incident_that_changes_while_its_analysis_runs_is_analysed_once_more(settings: Settings) -> None:
    runtime = Runtime.start(settings, demo=DemoService, clock=VirtualClock(), run_scheduler=False)
    gate, calls = threading.Event(), []
    analyze = runtime.analysis.analyze

    def gated(incident_id: str, on_progress=None, *, reason: str = "rerun") -> Incident:
        calls.append(incident_id)
        analysed = analyze(incident_id, on_progress, reason=reason)  # reports the incident as it is now...
        gate.wait(30)  # ...and is still running when the incident changes
        return analysed

    try:
        _saved_incident(runtime, "esc-2")
        runtime.analysis.analyze = gated  # the first analysis holds until the incident has changed
        first = runtime.submit_analysis("esc-2")
        _wait_for_report(runtime, "esc-2", "SEV3 incident")
        assert runtime.submit_analysis("esc-2") is first  # a plain request joins the running one
        assert runtime.submit_analysis("esc-2", again_if_running=True) is first
        runtime.store.update_incident("esc-2", severity="SEV1")
        gate.set()
        first.result(30)
        _wait_for_report(runtime, "esc-2", "SEV1 incident")
        assert calls == ["esc-2", "esc-2"]
    finally:
        runtime.close()
