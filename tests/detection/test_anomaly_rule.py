"""The anomaly rule on synthetic series, and wired into the monitor with in-memory sources."""

import math
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from core.anomaly import DEFAULT_ALERT_THRESHOLD, DetectorConfig
from core.clock import VirtualClock
from core.config import Settings
from core.detection.anomaly_rule import ANOMALY_SUSTAIN_SECONDS, MAX_HOLD_SECONDS, AnomalyRule
from core.detection.lifecycle import IncidentTracker
from core.models import LogEvent, MetricPoint, Topology
from core.orchestration.monitor import Monitor
from core.store import Store

START = 1_767_268_800.0
STEP = 5.0
LEARN = DetectorConfig().learning_points


def _sawtooth_memory(n: int, seed: int = 1) -> list[float]:
    """Heap that grows and is collected every 46 polls, with noise: a normal that looks spiky."""
    rng = np.random.default_rng(seed)
    return [220.0 + 0.6 * (i % 46) + float(rng.normal(0, 1.0)) for i in range(n)]


def _feed(rule: AnomalyRule, values: list[float], metric: str = "memory_mb") -> list[int]:
    """Feeds one point per poll; returns the polls on which the rule fired."""
    fired = []
    for i, value in enumerate(values):
        ts = START + STEP * i
        rule.observe([MetricPoint(ts, "checkout", metric, value)])
        if rule.signals(ts):
            fired.append(i)
    return fired


def _rule() -> AnomalyRule:
    return AnomalyRule.for_interval(DEFAULT_ALERT_THRESHOLD, STEP)


def test_a_leak_fires_long_before_a_fixed_threshold_would():
    n_quiet = LEARN + 600
    values = _sawtooth_memory(n_quiet) + [
        v + 0.4 * STEP * i for i, v in enumerate(_sawtooth_memory(400, seed=2), start=1)
    ]
    fired = _feed(_rule(), values)
    assert fired, "the leak never fired"
    assert fired[0] > n_quiet, f"fired on the fault-free part at poll {fired[0]}"
    crossed = next(i for i, v in enumerate(values) if v > 500)
    assert fired[0] < crossed
    assert fired[0] - n_quiet >= ANOMALY_SUSTAIN_SECONDS / STEP


def test_the_signal_names_the_series_and_the_threshold():
    values = _sawtooth_memory(LEARN + 600) + [400.0 + i for i in range(40)]
    rule = _rule()
    _feed(rule, values)
    now = START + STEP * len(values)
    (signal,) = rule.signals(now)
    assert (signal.rule, signal.service, signal.metric) == ("anomaly", "checkout", "memory_mb")
    assert signal.threshold == DEFAULT_ALERT_THRESHOLD
    assert DEFAULT_ALERT_THRESHOLD <= signal.value <= 1.0
    assert "learned normal" in signal.message


@pytest.mark.parametrize("blip", [1, 3], ids=["one-poll-spike", "three-poll-burst"])
def test_short_blips_and_a_periodic_normal_never_fire(blip):
    values = _sawtooth_memory(LEARN + 1500)
    for start in range(LEARN + 200, LEARN + 1500, 300):
        for k in range(blip):
            values[start + k] += 200.0
    assert _feed(_rule(), values) == []


def test_a_level_shift_fires_then_becomes_the_new_normal():
    rng = np.random.default_rng(4)
    n = LEARN + 400
    values = [10.0 + float(rng.normal(0, 1)) for _ in range(n)] + [30.0 + float(rng.normal(0, 1)) for _ in range(3000)]
    fired = _feed(_rule(), values)
    assert fired and fired[0] > n
    assert fired[-1] < len(values) - 500, "the shifted level never became normal"


def test_rate_normally_zero_does_not_fire_on_one_error():
    values = [0.0] * (LEARN + 200) + [0.002] + [0.0] * 200
    assert _feed(_rule(), values, metric="error_rate") == []


def test_old_and_missing_points_are_skipped():
    rule = _rule()
    rule.observe([MetricPoint(START, "a", "m", 1.0), MetricPoint(START, "a", "m", 99.0)])
    rule.observe([MetricPoint(START - 5, "a", "m", 99.0), MetricPoint(START + 5, "a", "m", math.nan)])
    assert len(rule) == 1
    assert rule._series[("a", "m")].detector.level == 1.0


@pytest.mark.parametrize("threshold", [0.0, 1.5], ids=["zero", "above-one"])
def test_bad_threshold_is_rejected(threshold):
    with pytest.raises(ValueError, match="anomaly threshold"):
        AnomalyRule(threshold, 3)


def test_settings_default_is_the_benchmark_threshold():
    assert Settings(_env_file=None).anomaly_alert_threshold == DEFAULT_ALERT_THRESHOLD
    assert Settings(_env_file=None, anomaly_alert_threshold=0.5).anomaly_alert_threshold == 0.5


@dataclass
class RampingMemory:
    """In-memory metrics source: checkout's memory, sawtooth-normal, then leaking from `leak_from`."""

    clock: VirtualClock
    leak_from: float
    name: str = "fake metrics"
    target: str = "memory"
    values: dict[float, float] = field(default_factory=dict)

    def fetch(self, now: float) -> list[MetricPoint]:
        i = int((now - START) / STEP)
        value = 220.0 + 0.6 * (i % 46) + math.sin(i * 1.7)
        if now > self.leak_from:
            value += 0.4 * (now - self.leak_from)
        self.values[now] = value
        return [MetricPoint(now, "checkout", "memory_mb", value)]

    def topology(self) -> Topology:
        return Topology(services=[])


@dataclass
class NoLogs:
    name: str = "fake logs"
    target: str = "none"

    def fetch(self, now: float) -> list[LogEvent]:
        return []


@pytest.mark.slow
def test_monitor_opens_an_anomaly_incident_before_the_memory_threshold(tmp_path: Path):
    clock = VirtualClock(START)
    leak_from = START + STEP * (LEARN + 300)
    metrics = RampingMemory(clock, leak_from)
    settings = Settings(_env_file=None, memory_forecast_horizon_seconds=1.0)
    monitor = Monitor(
        settings=settings,
        clock=clock,
        store=Store(tmp_path / "anomaly.duckdb"),
        metrics=metrics,
        logs=NoLogs(),
        tracker=IncidentTracker(settings),
    )
    opened = None
    while opened is None and clock.now() < leak_from + 1200:
        clock.advance(STEP)
        report = monitor.tick()
        opened = next((e.incident for e in report.events if e.kind == "opened"), None)
    assert opened is not None
    assert opened.signals[0].rule == "anomaly"
    assert opened.detected_at > leak_from
    crossed = leak_from + (settings.memory_threshold_mb - 250.0) / 0.4  # the sawtooth peaks near 250 MB
    assert opened.detected_at < crossed


def test_a_series_that_stopped_reporting_stops_firing():
    values = _sawtooth_memory(LEARN + 600) + [400.0 + i for i in range(40)]
    rule = _rule()
    _feed(rule, values)
    last = START + STEP * (len(values) - 1)
    assert rule.signals(last)
    assert rule.signals(last + 3 * STEP) == []


def _excursions(hold: bool, back_to: float = 100.0) -> tuple[float, float, list]:
    """A series at 100 ± 1 for 400 polls, 12 polls at 108 (a fault), 30 at ``back_to``, then 108 again: the
    highest evidence of the first three points of each excursion, and the series the release restored."""
    rule = AnomalyRule.for_interval(0.3, 5.0, 30.0)
    rng = random.Random(3)
    clock = [0.0]

    def feed(n: int, level: float) -> float:
        found = []
        for _ in range(n):
            clock[0] += 5
            rule.observe([MetricPoint(clock[0], "svc", "m", level + rng.gauss(0, 1))])
            found.append(rule._series[("svc", "m")].detector.evidence)
        return max(found[:3])

    feed(400, 100)
    if hold:
        rule.hold(clock[0])
    first = feed(12, 108)
    feed(30, back_to)
    restored = rule.release(clock[0]) if hold else []
    return first, feed(12, 108), restored


def test_a_fault_held_out_of_learning_leaves_the_next_one_as_surprising() -> None:
    first, second, _ = _excursions(hold=False)
    assert first == 1.0 and second < 0.3  # learned: the same excursion again is no longer news
    first, second, restored = _excursions(hold=True)
    assert first == second == 1.0 and restored == [("svc", "m")]


def test_a_series_that_does_not_come_back_keeps_its_new_normal() -> None:
    _, _, restored = _excursions(hold=True, back_to=108.0)
    assert restored == []


def test_a_long_hold_keeps_what_was_learned() -> None:
    rule = AnomalyRule.for_interval(0.3, 5.0, 30.0)
    rule.observe([MetricPoint(0.0, "svc", "m", 1.0)])
    rule.hold(0.0)
    assert rule.holding and rule.release(MAX_HOLD_SECONDS + 1) == [] and not rule.holding
