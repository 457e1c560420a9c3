"""The runtime across a crash (an analysis killed mid-way loses nothing and can run again) and when an
incident changes under its analysis."""

import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from core.clock import VirtualClock
from core.config import Settings
from core.detection.lifecycle import IncidentEvent
from core.models import Incident, Signal
from core.runtime import Runtime

CRASHING_ANALYSIS = textwrap.dedent(
    """
    import sys, time
    from core.models import Incident, Signal
    from core.store import Store

    store = Store(sys.argv[1])
    store.save_incident(Incident(
        id="crash-1", title="High error rate on checkout (30%)", start_time=time.time() - 20,
        detected_at=time.time() - 10, fingerprint="component:x", services=["checkout"],
        signals=[Signal(rule="error_rate", service="checkout", value=0.3, threshold=0.05,
                        ts=time.time() - 10, message="Error rate on checkout is 30%")],
    ))
    store.update_incident("crash-1", analysis_status="running", status="INVESTIGATING")
    print("analysing", flush=True)
    time.sleep(60)  # killed here, in the middle of the analysis
    """
)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, incident_db_path=tmp_path / "crash.duckdb")


@pytest.mark.slow
def test_killed_analysis_is_kept_flagged_and_can_run_again(settings: Settings) -> None:
    crashing = subprocess.Popen(
        [sys.executable, "-c", CRASHING_ANALYSIS, str(settings.incident_db_path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert crashing.stdout.readline().strip() == "analysing"
    crashing.send_signal(signal.SIGKILL)
    crashing.wait(10)

    runtime = Runtime.start(settings, clock=VirtualClock(), run_scheduler=False)
    try:
        incident = runtime.store.get_incident("crash-1")
        assert (incident.status, incident.analysis_status) == ("INVESTIGATING", "interrupted")
        analysed = runtime.analyze("crash-1")
        assert analysed.analysis_status in ("done", "partial")
        assert analysed.rca_markdown and "## Root Cause" in analysed.rca_markdown
        assert {run.agent_name for run in runtime.store.agent_runs("crash-1")} == {
            "monitoring",
            "log_analysis",
            "root_cause",
            "mitigation",
            "reporter",
        }
        name, mime, content = runtime.export("crash-1", "md")
        assert (name, mime) == ("incident-crash-1-rca.md", "text/markdown")
        assert content.decode() == analysed.rca_markdown
    finally:
        runtime.close()


def test_prometheus_mode_needs_a_prometheus_url(settings: Settings) -> None:
    from core.errors import ConfigError

    with pytest.raises(ConfigError, match="PROMETHEUS_URL"):
        Runtime.start(settings.model_copy(update={"data_mode": "prometheus_loki"}), run_scheduler=False)


def test_prometheus_mode_without_a_demo_service_explains_that_faults_need_one(settings: Settings) -> None:
    from core.errors import ConfigError

    prometheus = settings.model_copy(update={"data_mode": "prometheus_loki", "prometheus_url": "http://127.0.0.1:9"})
    runtime = Runtime.start(prometheus, clock=VirtualClock(), run_scheduler=False)
    try:
        assert runtime.demo_service_url() is None and runtime.demo_health() is None
        with pytest.raises(ConfigError, match="DEMO_SERVICE_URL"):
            runtime.inject_fault("error_rate")
        report = runtime.monitor.tick()  # Prometheus is not there: recorded, nothing opens
        assert report.errors and "127.0.0.1:9" in report.errors[0]
        assert runtime.store.list_incidents() == []
        assert [s.name for s in runtime.source_statuses() if not s.ok] == ["prometheus"]
    finally:
        runtime.close()


def _saved_incident(runtime: Runtime, incident_id: str, severity: str = "SEV3") -> Incident:
    now = runtime.clock.now()
    signal = Signal(
        rule="error_rate", service="checkout", value=0.3, threshold=0.05, ts=now, message="Error rate on checkout"
    )
    incident = Incident(
        id=incident_id,
        severity=severity,
        title="High error rate on checkout (30%)",
        start_time=now - 20,
        detected_at=now,
        fingerprint="component:checkout",
        services=["checkout"],
        signals=[signal],
    )
    runtime.store.save_incident(incident)
    return incident


def _wait_for_report(runtime: Runtime, incident_id: str, phrase: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while phrase not in (runtime.store.get_incident(incident_id).rca_markdown or ""):
        assert time.monotonic() < deadline, f"no report saying {phrase!r} within {timeout:.0f} s"
        time.sleep(0.05)


def test_an_escalation_is_analysed_again_at_once_so_the_report_states_the_new_severity(settings: Settings) -> None:
    runtime = Runtime.start(settings, clock=VirtualClock(), run_scheduler=False, synchronous_analysis=True)
    try:
        incident = _saved_incident(runtime, "esc-1")
        runtime._on_incident_event(IncidentEvent("opened", incident))
        assert "SEV3 incident" in runtime.store.get_incident("esc-1").rca_markdown
        runs = len(runtime.store.agent_runs("esc-1"))

        joined = runtime.store.update_incident("esc-1", updated_at=runtime.clock.now())
        runtime._on_incident_event(IncidentEvent("updated", joined, new_signals=tuple(joined.signals)))
        assert len(runtime.store.agent_runs("esc-1")) == runs  # a join within the gap is not analysed yet

        escalated = runtime.store.update_incident("esc-1", severity="SEV1")
        runtime._on_incident_event(IncidentEvent("updated", escalated, escalated=True))
        assert "SEV1 incident" in runtime.store.get_incident("esc-1").rca_markdown
        assert len(runtime.store.agent_runs("esc-1")) == 2 * runs
    finally:
        runtime.close()


@pytest.mark.slow
def test_an_incident_that_changes_while_its_analysis_runs_is_analysed_once_more(settings: Settings) -> None:
    runtime = Runtime.start(settings, clock=VirtualClock(), run_scheduler=False)
    gate, calls = threading.Event(), []
    analyze = runtime.analysis.analyze

    def gated(incident_id: str, on_progress=None) -> Incident:
        calls.append(incident_id)
        analysed = analyze(incident_id, on_progress)  # reports the incident as it is now...
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
