"""Detection rules: they fire on real problems and stay quiet on noise."""

import pytest

from core import models as m
from core.config import Settings
from core.detection.base import Poll
from core.detection.history import SeriesHistory
from core.detection.rules import (
    ERROR_WINDOW_SECONDS,
    LogLineRules,
    MetricThresholdRules,
    evidence_seconds,
    linear_fit,
    log_signals,
    wilson_lower_bound,
)
from core.models import LogEvent, MetricPoint, Signal

SETTINGS = Settings(_env_file=None)


def history_of(service: str, series: dict[str, list[float]], interval: float = 5.0) -> SeriesHistory:
    history = SeriesHistory()
    length = max(len(values) for values in series.values())
    for i in range(length):
        ts = 1000.0 + i * interval
        history.add(MetricPoint(ts, service, metric, values[i]) for metric, values in series.items() if i < len(values))
    return history


def evaluate(
    history: SeriesHistory, events: list[LogEvent], now: float, settings: Settings, *, metrics_ok: bool = True
) -> list[Signal]:
    """Both threshold rules on a poll at ``now`` whose points are already in ``history``."""
    poll = Poll(now, settings.detection_interval_seconds, [] if metrics_ok else None, events)
    rules = (MetricThresholdRules(settings, history), LogLineRules(settings))
    return [signal for rule in rules for signal in rule.evaluate(poll)]


def now_of(history: SeriesHistory, service: str, metric: str) -> float:
    return history.latest(service, metric)[0]


@pytest.mark.parametrize(
    ("rate", "error_rate", "fires"),
    [
        pytest.param(20.0, 0.30, True, id="30pct-errors"),
        pytest.param(20.0, 0.01, False, id="baseline-noise"),
        pytest.param(1.0, 0.50, False, id="too-few-requests"),
        pytest.param(3.0, 0.08, False, id="not-significant"),
        pytest.param(40.0, 0.09, True, id="significant-at-high-traffic"),
    ],
)
def test_error_rate_rule(rate: float, error_rate: float, fires: bool) -> None:
    history = history_of("checkout", {m.REQUEST_RATE: [rate] * 3, m.ERROR_RATE: [error_rate] * 3})
    signals = evaluate(history, [], now_of(history, "checkout", m.ERROR_RATE), SETTINGS)
    assert [s.rule for s in signals] == (["error_rate"] if fires else [])


def _first_firing_poll(rate: float, share: float, polls: int = 12) -> int | None:
    """Polls after a fault's onset (1 = the first poll that saw it) until the error-rate rule fires on a service
    answering ``rate`` requests per second, ``share`` of them failing from the onset; None when it never does."""
    rules = MetricThresholdRules(SETTINGS, SeriesHistory())
    for i in range(-12, polls):  # a minute without errors first
        now = 1000.0 + i * 5.0
        failing = share if i >= 0 else 0.0
        points = [
            MetricPoint(now, "payments", m.REQUEST_RATE, rate),
            MetricPoint(now, "payments", m.ERROR_RATE, failing),
        ]
        if rules.evaluate(Poll(now, 5.0, points, [])) and i >= 0:
            return i + 1
    return None


@pytest.mark.parametrize(
    ("rate", "within"),
    [
        pytest.param(20.0, 1, id="busy"),
        pytest.param(3.0, 2, id="3-requests-a-second"),
        pytest.param(1.5, 2, id="1.5-requests-a-second"),
        pytest.param(0.5, 5, id="0.5-requests-a-second"),
    ],
)
def test_a_quiet_service_is_judged_on_as_many_requests_as_a_busy_one(rate: float, within: int) -> None:
    """The window grows until it holds MIN_REQUESTS requests: 30% errors fire within a few polls whatever the
    traffic, where a fixed 10-s window never holds 20 requests below 2 a second."""
    fired = _first_firing_poll(rate, 0.30)
    assert fired is not None and fired <= within
    assert _first_firing_poll(rate, 0.0) is None  # no errors, no signal, however long the window grows


def test_the_error_window_stops_growing_at_a_minute() -> None:
    assert _first_firing_poll(0.25, 0.5, polls=30) is None  # 15 requests a minute: never enough evidence
    assert evidence_seconds(50.0) == ERROR_WINDOW_SECONDS and evidence_seconds(1.0) == 20.0
    assert evidence_seconds(0.25) is None


def test_latency_rule_needs_requests_and_threshold() -> None:
    slow = history_of("frontend", {m.REQUEST_RATE: [30.0], m.LATENCY_P95_MS: [2300.0]})
    fast = history_of("frontend", {m.REQUEST_RATE: [30.0], m.LATENCY_P95_MS: [400.0]})
    idle = history_of("frontend", {m.REQUEST_RATE: [0.2], m.LATENCY_P95_MS: [2300.0]})
    fired = evaluate(slow, [], 1000.0, SETTINGS)
    assert [(s.rule, s.service, round(s.value)) for s in fired] == [("latency_p95", "frontend", 2300)]
    assert evaluate(fast, [], 1000.0, SETTINGS) == []
    assert evaluate(idle, [], 1000.0, SETTINGS) == []


def test_memory_above_threshold_fires() -> None:
    history = history_of("checkout", {m.MEMORY_MB: [480, 495, 510]})
    (signal,) = evaluate(history, [], 1010.0, SETTINGS)
    assert (signal.rule, signal.value) == ("memory", 510)


def test_memory_trend_fires_before_threshold_like_predict_linear() -> None:
    growing = history_of("checkout", {m.MEMORY_MB: [250 + 1.5 * 5 * i for i in range(12)]})
    (signal,) = evaluate(growing, [], now_of(growing, "checkout", m.MEMORY_MB), SETTINGS)
    assert signal.rule == "memory_trend"
    assert signal.value > SETTINGS.memory_threshold_mb  # the prediction, not the current value
    assert "MB/s" in signal.message


@pytest.mark.parametrize(
    "values",
    [
        pytest.param([250, 262, 240, 258, 245, 261, 243, 259, 247, 260, 244, 257], id="gc-sawtooth"),
        pytest.param([250 + 0.05 * 5 * i for i in range(12)], id="slow-drift"),
        pytest.param([250, 251, 252], id="too-few-points"),
    ],
)
def test_memory_trend_ignores_noise(values: list[float]) -> None:
    history = history_of("checkout", {m.MEMORY_MB: values})
    assert evaluate(history, [], now_of(history, "checkout", m.MEMORY_MB), SETTINGS) == []


def test_linear_fit_slope_and_r2() -> None:
    slope, r2 = linear_fit([(0, 1.0), (1, 3.0), (2, 5.0)])
    assert (slope, r2) == (2.0, 1.0)
    assert linear_fit([(5, 1.0), (5, 2.0)]) is None


def test_wilson_lower_bound_is_below_the_rate_and_tightens_with_n() -> None:
    assert 0 < wilson_lower_bound(0.3, 20) < wilson_lower_bound(0.3, 2000) < 0.3
    assert wilson_lower_bound(0.0, 100) == 0.0
    assert wilson_lower_bound(0.5, 0) == 0.0


def test_log_rules_count_per_service_and_ignore_info() -> None:
    slow = [
        LogEvent(1.0, "postgres", "WARN", f"duration: {900 + i} ms statement: SELECT 1 (slow query)") for i in range(6)
    ]
    conn = [
        LogEvent(1.0, "payments", "ERROR", "Connection error calling payment-gateway: connect timeout after 2000 ms")
        for _ in range(5)
    ]
    info = [LogEvent(1.0, "postgres", "INFO", "slow query log enabled") for _ in range(10)]
    few = [LogEvent(1.0, "catalog", "WARN", "slow query took 800 ms") for _ in range(2)]
    signals = log_signals(slow + conn + info + few, 5.0, SETTINGS)
    assert sorted((s.rule, s.service, s.value) for s in signals) == [
        ("connection_error_logs", "payments", 5.0),
        ("slow_query_logs", "postgres", 6.0),
    ]


def test_metric_rules_skip_when_the_metrics_source_failed() -> None:
    history = history_of("checkout", {m.MEMORY_MB: [900.0]})
    assert evaluate(history, [], 1000.0, SETTINGS, metrics_ok=False) == []
