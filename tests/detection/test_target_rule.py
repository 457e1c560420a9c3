"""The target-down rule: Prometheus ``up == 0`` and a failed scrape of the demo service open a target_down
incident with its own severity, and the analysis names ``target_down`` on the target."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.clock import VirtualClock
from core.config import Settings
from core.detection.base import Poll, TargetHealth
from core.detection.target_rule import TargetDownRule
from core.errors import SourceError
from core.runtime import Runtime
from core.sources.demo import DEMO_TARGET_SERVICE
from core.sources.prometheus import parse_up
from demo_service import DemoService


def test_fires_per_service_with_a_down_target() -> None:
    rule = TargetDownRule(Settings(_env_file=None, target_down_severity="SEV1"))
    targets = [
        TargetHealth("payments", "10.0.0.1:9100", True),
        TargetHealth("payments", "10.0.0.2:9100", False, "up == 0"),
        TargetHealth("catalog", "10.0.0.3:9100", True),
    ]
    (signal,) = rule.evaluate(Poll(100.0, 5.0, None, None, targets))
    assert (signal.rule, signal.service, signal.value, signal.severity) == ("target_down", "payments", 0.5, "SEV1")
    assert signal.message == "1 of 2 target(s) of payments not answering (10.0.0.2:9100): up == 0"
    assert rule.evaluate(Poll(100.0, 5.0, [], [], None)) == []  # the source cannot tell: silent


def test_parse_up_names_services_by_label_then_job() -> None:
    body = {
        "status": "success",
        "data": {
            "resultType": "vector",
            "result": [
                {"metric": {"__name__": "up", "job": "shop", "instance": "127.0.0.1:8001"}, "value": [1, "1"]},
                {"metric": {"job": "node", "service": "db", "instance": "127.0.0.1:9"}, "value": [1, "0"]},
                {"metric": {"instance": "nolabels:1"}, "value": [1, "0"]},
            ],
        },
    }
    up, down = parse_up(body, ("service",))
    assert (up.service, up.up, down.service, down.up, down.target) == ("shop", True, "db", False, "127.0.0.1:9")
    with pytest.raises(SourceError, match="expected a vector"):
        parse_up({"status": "success", "data": {"resultType": "matrix", "result": []}}, ("service",))


@pytest.mark.slow
def test_a_stopped_demo_service_opens_a_target_down_incident_named_by_the_analysis(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, incident_db_path=tmp_path / "down.duckdb")
    runtime = Runtime.start(
        settings, demo=DemoService, clock=VirtualClock(), run_scheduler=False, synchronous_analysis=True
    )
    try:
        for _ in range(3):
            runtime.clock.advance(5)  # type: ignore[attr-defined]
            runtime.monitor.tick()
        assert runtime.store.open_incidents() == []
        runtime._embedded.stop()  # the demo service goes away: its scrape fails from now on
        runtime.client.close()  # and so do the kept-alive connections a stopped process would take with it
        for _ in range(3):
            runtime.clock.advance(5)  # type: ignore[attr-defined]
            report = runtime.monitor.tick()
        assert report.failed_sources == ("demo metrics", "demo logs")
        (incident,) = runtime.store.open_incidents()
        assert incident.title == f"Target down: {DEMO_TARGET_SERVICE} does not answer"
        assert incident.severity == "SEV2" and incident.services == [DEMO_TARGET_SERVICE]
        analysed = runtime.store.get_incident(incident.id)
        assert (analysed.root_cause_kind, analysed.root_cause_service) == ("target_down", DEMO_TARGET_SERVICE)
        assert "stopped answering" in (analysed.rca_markdown or "")
    finally:
        runtime._embedded = None  # already stopped
        runtime.close()
