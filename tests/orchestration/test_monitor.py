"""The detection poll against the real demo service over HTTP, on a virtual clock."""

import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import core.detection
from core.clock import VirtualClock
from core.config import Settings
from core.detection.base import DetectionRule, Poll
from core.detection.lifecycle import IncidentTracker
from core.errors import SourceError
from core.models import MetricPoint, Signal, Topology
from core.orchestration.monitor import Monitor
from core.sources.demo import DemoLogSource, DemoMetricsSource, DemoServiceClient
from core.store import Store
from demo_service import DemoService

START = 1_767_268_800.0


@dataclass
class Switchable:
    """Wraps a real source; while ``down`` it fails like an unreachable server."""

    inner: DemoMetricsSource
    down: bool = False

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def target(self) -> str:
        return self.inner.target

    def fetch(self, now: float) -> list[MetricPoint]:
        if self.down:
            raise SourceError(f"GET {self.target}: ConnectionError: connection refused")
        return self.inner.fetch(now)

    def topology(self) -> Topology:
        return self.inner.topology()


@dataclass
class Rig:
    clock: VirtualClock
    demo: DemoService
    client: DemoServiceClient
    store: Store
    metrics: Switchable
    monitor: Monitor

    def run(self, seconds: float) -> list:
        reports = []
        for _ in range(int(seconds // 5)):
            self.clock.advance(5)
            reports.append(self.monitor.tick())
        return reports


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    clock = VirtualClock(START)
    demo = DemoService(clock=clock, seed=3)
    client = DemoServiceClient(demo.start(host="127.0.0.1", port=0))
    store = Store(tmp_path / "monitor.duckdb")
    settings = Settings(_env_file=None)
    metrics = Switchable(DemoMetricsSource(client))
    monitor = Monitor(
        settings=settings,
        clock=clock,
        store=store,
        metrics=metrics,
        logs=DemoLogSource(client),
        tracker=IncidentTracker(settings),
    )
    yield Rig(clock, demo, client, store, metrics, monitor)
    demo.stop()
    store.close()


@pytest.mark.slow
def test_fault_opens_one_incident_within_15_seconds_and_stores_the_data(rig: Rig) -> None:
    rig.run(120)
    assert rig.store.list_incidents() == []
    rig.client.inject("error_rate", "checkout", 1.0, 300)
    injected_at = rig.clock.now()
    rig.run(60)
    (incident,) = rig.store.list_incidents()
    assert incident.detected_at - injected_at <= 15
    assert "checkout" in incident.services
    assert {s.rule for s in incident.signals} >= {"error_rate"}
    assert incident.severity in ("SEV1", "SEV2")
    assert len(rig.store.metrics_frame(START, rig.clock.now())) > 100
    assert any("Unhandled exception" in e.message for e in rig.store.logs(injected_at, rig.clock.now()))


@pytest.mark.slow
def test_a_failing_source_opens_nothing_resolves_nothing_and_recovers(rig: Rig) -> None:
    rig.run(60)
    rig.client.inject("error_rate", "checkout", 1.0, 600)
    rig.run(30)
    (incident,) = rig.store.open_incidents()
    rig.metrics.down = True
    reports = rig.run(120)  # longer than RESOLVE_AFTER_SECONDS
    assert all(r.errors and "connection refused" in r.errors[0] for r in reports)
    health = rig.monitor.health["demo metrics"]
    assert not health.ok and "connection refused" in health.last_error
    assert [i.id for i in rig.store.open_incidents()] == [incident.id]
    rig.metrics.down = False
    rig.run(15)
    assert rig.monitor.health["demo metrics"].ok
    rig.client.stop_all()
    rig.run(120)
    assert rig.store.get_incident(incident.id).status == "RESOLVED"
    assert len(rig.store.list_incidents()) == 1


def _rule_classes() -> set[type]:
    """Every class of ``core.detection`` with an ``evaluate`` (the protocol itself aside)."""
    found = set()
    for info in pkgutil.iter_modules(core.detection.__path__):
        module = importlib.import_module(f"core.detection.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and hasattr(cls, "evaluate") and cls is not DetectionRule:
                found.add(cls)
    return found


def test_the_monitor_runs_every_rule_of_core_detection(rig: Rig) -> None:
    assert {type(rule) for rule in rig.monitor.rules} == _rule_classes()
    assert all(isinstance(rule, DetectionRule) for rule in rig.monitor.rules)


def test_every_rule_is_silent_on_a_poll_whose_sources_failed(rig: Rig) -> None:
    rig.client.inject("error_rate", "checkout", 1.0, 300)
    rig.run(60)
    failed = Poll(rig.clock.now() + 5, 5.0, None, None)
    assert [rule.evaluate(failed) for rule in rig.monitor.rules] == [[]] * len(rig.monitor.rules)


@dataclass
class AlwaysFires:
    """A rule of our own: fires on checkout on every poll."""

    def evaluate(self, poll: Poll) -> list[Signal]:
        return [Signal(rule="always", service="checkout", value=1.0, threshold=0.0, ts=poll.now, message="always on")]


def test_a_rule_added_to_the_monitor_runs_on_every_poll(rig: Rig) -> None:
    rig.monitor.rules.append(AlwaysFires())
    reports = rig.run(30)
    assert all("always" in {s.rule for s in report.signals} for report in reports)
    (incident,) = rig.store.list_incidents()
    assert [s.rule for s in incident.signals] == ["always"]
    assert incident.title == "always on"


@pytest.mark.slow
def test_the_anomaly_detectors_hold_while_a_fault_runs_or_an_incident_is_open(rig: Rig) -> None:
    rig.run(30)
    assert not rig.monitor.anomaly.holding
    fault = rig.client.inject("error_rate", "checkout", 1.0, 20)
    rig.monitor.note_fault(fault.id, fault.started_at, fault.expires_at)
    rig.run(5)
    assert rig.monitor.anomaly.holding  # from the first poll of the fault, before its points are learned
    rig.run(30)
    (incident,) = rig.store.open_incidents()  # the fault is over, its incident is not: still held
    assert rig.monitor.anomaly.holding
    rig.run(120)
    assert rig.store.get_incident(incident.id).status == "RESOLVED" and not rig.monitor.anomaly.holding
