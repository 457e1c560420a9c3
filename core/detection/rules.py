"""The seed's detection rules, made robust to noise: each returns the signals firing now.

Two ``DetectionRule``s run them: ``MetricThresholdRules`` (the metric rules, over a rolling history of the
polled points) and ``LogLineRules`` (the two log-line rules). Rules and their thresholds (all from ``Settings``):

- ``error_rate``: 5xx share above ``ERROR_RATE_THRESHOLD``, and significantly so (the Wilson lower bound at
  95% one-sided is above the threshold), so that a service answering 30 requests does not page on one error.
  The share is taken over the last ``ERROR_WINDOW_SECONDS``, or on a quiet service over as many polls as it
  takes to hold ``MIN_REQUESTS`` requests (up to ``MAX_ERROR_WINDOW_SECONDS``): the evidence, not the clock,
  decides, so a service answering 2 requests a second is judged on as many requests as a busy one.
- ``latency_p95``: the latest p95 above ``LATENCY_P95_THRESHOLD_MS`` with at least ``MIN_REQUESTS``.
- ``memory``: resident memory above ``MEMORY_THRESHOLD_MB``.
- ``memory_trend``: like Prometheus' ``predict_linear``: a least-squares line over the last
  ``TREND_WINDOW_SECONDS`` of memory that is steep, tight (R² >= 0.8) and crosses the memory threshold
  within ``MEMORY_FORECAST_HORIZON_SECONDS``; before that window fills, the last ``FAST_TREND_POINTS``
  polls rising at every step (no GC drop) by ``FAST_TREND_MIN_RISE_MB`` or more stand in for the fit.
- ``cpu`` / ``disk`` / ``db_pool``: the latest CPU (percent of one core), disk use (percent) or
  connection-pool use (in use / size) at or above ``CPU_THRESHOLD_PERCENT`` / ``DISK_THRESHOLD_PERCENT`` /
  ``DB_POOL_THRESHOLD``.
- ``slow_query_logs`` / ``connection_error_logs``: at least ``SLOW_QUERY_LOG_THRESHOLD`` /
  ``CONNECTION_ERROR_LOG_THRESHOLD`` matching log lines from one service in one poll.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from core import models as m
from core.config import Settings
from core.detection.base import Poll
from core.detection.history import SeriesHistory
from core.models import LogEvent, Signal

ERROR_WINDOW_SECONDS = 10.0  # the error-rate rule's window on a busy service
MAX_ERROR_WINDOW_SECONDS = 60.0  # ... grown up to this on a quiet one, until it holds MIN_REQUESTS
MIN_REQUESTS = 20
Z_ONE_SIDED_95 = 1.645
TREND_WINDOW_SECONDS = 60.0
TREND_MIN_POINTS = 6
TREND_MIN_SLOPE_MB_S = 0.1
TREND_MIN_R2 = 0.8
FAST_TREND_POINTS = 4  # the last 4 polls (15 s at 5 s): a steady climb this long is not GC noise
FAST_TREND_MIN_RISE_MB = 3.0

SLOW_QUERY = re.compile(r"slow[ _-]?query|query took|duration: \d", re.IGNORECASE)
CONNECTION_ERROR = re.compile(
    r"connection (error|refused|reset|timed? ?out)|connect(ion)? timeout|econnrefused|unreachable",
    re.IGNORECASE,
)


def wilson_lower_bound(rate: float, n: float, z: float = Z_ONE_SIDED_95) -> float:
    """Lower end of the Wilson score interval for a proportion ``rate`` observed over ``n`` trials."""
    if n <= 0:
        return 0.0
    centre = rate + z * z / (2 * n)
    spread = z * math.sqrt(max(rate * (1 - rate) / n + z * z / (4 * n * n), 0.0))
    return max(0.0, (centre - spread) / (1 + z * z / n))


def error_evidence(history: SeriesHistory, service: str, now: float, interval: float) -> tuple[float, float, float]:
    """(requests, failed requests, seconds) of the error-rate rule's window: the shortest one ending now that
    spans ``ERROR_WINDOW_SECONDS`` and holds ``MIN_REQUESTS`` requests, grown poll by poll up to
    ``MAX_ERROR_WINDOW_SECONDS`` for a quiet service (at the cap it may hold fewer)."""
    rates = history.window(service, m.REQUEST_RATE, MAX_ERROR_WINDOW_SECONDS, now)
    errors = dict(history.window(service, m.ERROR_RATE, MAX_ERROR_WINDOW_SECONDS, now))
    requests = failed = seconds = 0.0
    for ts, rate in reversed(rates):
        requests += rate * interval
        failed += rate * interval * errors.get(ts, 0.0)
        seconds = now - ts + interval
        if seconds >= ERROR_WINDOW_SECONDS and requests >= MIN_REQUESTS:
            break
    return requests, failed, seconds


def evidence_seconds(rate: float) -> float | None:
    """Seconds of traffic at ``rate`` requests per second the error-rate rule's window spans (see
    ``error_evidence``); None when even ``MAX_ERROR_WINDOW_SECONDS`` hold fewer than ``MIN_REQUESTS``."""
    if rate * MAX_ERROR_WINDOW_SECONDS < MIN_REQUESTS:
        return None
    return max(ERROR_WINDOW_SECONDS, MIN_REQUESTS / rate)


def error_rate_signal(history: SeriesHistory, service: str, now: float, settings: Settings) -> Signal | None:
    """Fires when the 5xx share over the rule's window (``error_evidence``) is significantly above the threshold."""
    requests, failed, seconds = error_evidence(history, service, now, settings.detection_interval_seconds)
    if requests < MIN_REQUESTS:
        return None
    share = failed / requests
    threshold = settings.error_rate_threshold
    if share <= threshold or wilson_lower_bound(share, requests) <= threshold:
        return None
    return Signal(
        rule="error_rate",
        service=service,
        metric=m.ERROR_RATE,
        value=share,
        threshold=threshold,
        ts=now,
        message=(
            f"Error rate on {service} is {share:.1%} (threshold {threshold:.0%}) over {requests:.0f} requests "
            f"in {seconds:.0f} s"
        ),
    )


def latency_signal(history: SeriesHistory, service: str, now: float, settings: Settings) -> Signal | None:
    """Fires when the latest p95 latency is above the threshold with enough requests behind it."""
    latest = history.latest(service, m.LATENCY_P95_MS)
    rate = history.latest(service, m.REQUEST_RATE)
    if latest is None or rate is None or latest[0] < now - settings.detection_interval_seconds:
        return None
    if rate[1] * settings.detection_interval_seconds < MIN_REQUESTS / 2:
        return None
    p95, threshold = latest[1], settings.latency_p95_threshold_ms
    if p95 <= threshold:
        return None
    return Signal(
        rule="latency_p95",
        service=service,
        metric=m.LATENCY_P95_MS,
        value=p95,
        threshold=threshold,
        ts=now,
        message=f"p95 latency on {service} is {p95:.0f} ms (threshold {threshold:.0f} ms)",
    )


def memory_signal(history: SeriesHistory, service: str, now: float, settings: Settings) -> Signal | None:
    """Fires when memory is above the threshold, or (``memory_trend``) heading there within the horizon."""
    points = history.window(service, m.MEMORY_MB, TREND_WINDOW_SECONDS, now)
    if not points:
        return None
    threshold = settings.memory_threshold_mb
    current = points[-1][1]
    if current > threshold:
        return Signal(
            rule="memory",
            service=service,
            metric=m.MEMORY_MB,
            value=current,
            threshold=threshold,
            ts=now,
            message=f"Memory on {service} is {current:.0f} MB (threshold {threshold:.0f} MB)",
        )
    horizon = settings.memory_forecast_horizon_seconds
    fit = linear_fit(points)
    trend = fit if len(points) >= TREND_MIN_POINTS and fit is not None and fit[1] >= TREND_MIN_R2 else None
    if trend is None:
        trend = steady_rise(points[-FAST_TREND_POINTS:], FAST_TREND_MIN_RISE_MB)
    if trend is None:
        return None
    slope, r2 = trend
    predicted = current + slope * horizon
    if slope < TREND_MIN_SLOPE_MB_S or predicted <= threshold:
        return None
    eta = (threshold - current) / slope
    return Signal(
        rule="memory_trend",
        service=service,
        metric=m.MEMORY_MB,
        value=predicted,
        threshold=threshold,
        ts=now,
        message=(
            f"Memory on {service} grows {slope:.2f} MB/s (R² {r2:.2f}): {current:.0f} MB now, "
            f"threshold {threshold:.0f} MB in about {eta:.0f} s"
        ),
    )


def steady_rise(points: Sequence[tuple[float, float]], min_rise: float) -> tuple[float, float] | None:
    """(slope, R²) of a short stretch that rose at every step and by at least ``min_rise`` in all: a leak
    seen before the long fit's window fills. A garbage-collection drop anywhere in it disqualifies it."""
    if len(points) < FAST_TREND_POINTS or points[-1][1] - points[0][1] < min_rise:
        return None
    if any(later <= earlier for (_, earlier), (_, later) in pairwise(points)):
        return None
    return linear_fit(points)


#: (rule, metric, Settings field, message) of the rules that compare a gauge's latest value to a threshold.
GAUGE_RULES: tuple[tuple[str, str, str, str], ...] = (
    ("cpu", m.CPU_PERCENT, "cpu_threshold_percent", "CPU on {service} is {value:.0f}% (threshold {threshold:.0f}%)"),
    (
        "disk",
        m.DISK_USED_PERCENT,
        "disk_threshold_percent",
        "Disk of {service} is {value:.0f}% full (threshold {threshold:.0f}%)",
    ),
    (
        "db_pool",
        m.DB_POOL_UTILIZATION,
        "db_pool_threshold",
        "Connection pool of {service} is {value:.0%} in use (threshold {threshold:.0%})",
    ),
)


def gauge_signals(history: SeriesHistory, service: str, now: float, settings: Settings) -> list[Signal]:
    """CPU, disk and connection-pool rules: the latest value (from this poll) above its threshold."""
    signals = []
    for rule, metric, setting, template in GAUGE_RULES:
        latest = history.latest(service, metric)
        threshold = float(getattr(settings, setting))
        if latest is None or latest[0] < now - settings.detection_interval_seconds or latest[1] < threshold:
            continue
        message = template.format(service=service, value=latest[1], threshold=threshold)
        signals.append(
            Signal(
                rule=rule, service=service, metric=metric, value=latest[1], threshold=threshold, ts=now, message=message
            )
        )
    return signals


def linear_fit(points: Sequence[tuple[float, float]]) -> tuple[float, float] | None:
    """Least-squares slope (units per second) and R² of ``(ts, value)`` points; None if degenerate."""
    n = len(points)
    if n < 2:
        return None
    mean_t = sum(t for t, _ in points) / n
    mean_v = sum(v for _, v in points) / n
    stt = sum((t - mean_t) ** 2 for t, _ in points)
    svv = sum((v - mean_v) ** 2 for _, v in points)
    if stt == 0:
        return None
    stv = sum((t - mean_t) * (v - mean_v) for t, v in points)
    slope = stv / stt
    r2 = 1.0 if svv == 0 else (stv * stv) / (stt * svv)
    return slope, r2


def log_signals(events: Sequence[LogEvent], now: float, settings: Settings) -> list[Signal]:
    """Slow-query and connection-error log rules over the lines of one poll."""
    slow: Counter[str] = Counter()
    connection: Counter[str] = Counter()
    for event in events:
        if event.level not in ("WARN", "WARNING", "ERROR", "CRITICAL", "FATAL"):
            continue
        if SLOW_QUERY.search(event.message):
            slow[event.service] += 1
        elif CONNECTION_ERROR.search(event.message):
            connection[event.service] += 1
    signals = []
    for rule, counts, threshold, what in (
        ("slow_query_logs", slow, settings.slow_query_log_threshold, "slow-query"),
        (
            "connection_error_logs",
            connection,
            settings.connection_error_log_threshold,
            "connection-error",
        ),
    ):
        for service, count in sorted(counts.items()):
            if count >= threshold:
                signals.append(
                    Signal(
                        rule=rule,
                        service=service,
                        value=float(count),
                        threshold=float(threshold),
                        ts=now,
                        message=f"{count} {what} log lines from {service} in the last poll (threshold {threshold})",
                    )
                )
    return signals


@dataclass
class MetricThresholdRules:
    """``error_rate``, ``latency_p95``, ``memory``/``memory_trend``, ``cpu``, ``disk`` and ``db_pool``, service by
    service over the recent points it keeps (``history``); skips a poll whose metrics source failed."""

    settings: Settings
    history: SeriesHistory = field(default_factory=SeriesHistory)

    def evaluate(self, poll: Poll) -> list[Signal]:
        """Remember the poll's points, then every metric rule firing at ``poll.now``."""
        if poll.points is None:
            return []
        self.history.add(poll.points)
        signals: list[Signal] = []
        for service in self.history.services():
            for rule in (error_rate_signal, latency_signal, memory_signal):
                signal = rule(self.history, service, poll.now, self.settings)
                if signal is not None:
                    signals.append(signal)
            signals.extend(gauge_signals(self.history, service, poll.now, self.settings))
        return signals


@dataclass(frozen=True)
class LogLineRules:
    """``slow_query_logs`` and ``connection_error_logs`` over one poll's lines (see ``log_signals``)."""

    settings: Settings

    def evaluate(self, poll: Poll) -> list[Signal]:
        """The slow-query and connection-error signals of the poll; none when the log source failed."""
        return [] if poll.events is None else log_signals(poll.events, poll.now, self.settings)
