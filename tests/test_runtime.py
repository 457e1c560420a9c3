"""The runtime across a crash (an analysis killed mid-way loses nothing and can run again) and without a
demo service (the analysis queue's own tests are in tests/orchestration/test_queue.py)."""

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from core.clock import VirtualClock
from core.config import Settings
from core.runtime import Runtime
from demo_service import DemoService

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

    runtime = Runtime.start(settings, demo=DemoService, clock=VirtualClock(), run_scheduler=False)
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


def test_simulated_mode_without_a_demo_service_says_what_to_set(settings: Settings) -> None:
    from core.errors import ConfigError

    with pytest.raises(ConfigError, match="DEMO_SERVICE_URL"):
        Runtime.start(settings, clock=VirtualClock(), run_scheduler=False)  # no demo factory, no URL


def test_core_reaches_the_demo_service_only_through_the_seam() -> None:
    """Every module of ``core`` but the CLI (a composition root) imports without ``demo_service``."""
    probe = textwrap.dedent(
        """
        import importlib, pkgutil, sys
        import core
        for module in pkgutil.walk_packages(core.__path__, "core."):
            if not module.name.startswith("core.cli"):
                importlib.import_module(module.name)
        print(sorted(name for name in sys.modules if name.split(".")[0] == "demo_service"))
        """
    )
    root = Path(__file__).resolve().parent.parent
    completed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=root, check=True)
    assert completed.stdout.strip() == "[]"
