"""Units and times as people read them: UTC timestamps, metric values with their unit, percentages."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from core.models import CPU_PERCENT, DEPENDENCY_ERROR_RATE, ERROR_RATE, REQUEST_RATE


def utc(ts: float) -> str:
    """Unix seconds as an ISO 8601 UTC time to the second, e.g. ``2026-01-01T00:00:05Z``."""
    try:
        return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return f"{ts} (invalid time)"


def format_value(metric: str, value: float) -> str:
    """A metric value with its unit: fractions as percentages, ms, MB, req/s."""
    if not math.isfinite(value):
        return str(value)
    if metric in (ERROR_RATE, DEPENDENCY_ERROR_RATE):
        return f"{value * 100:.1f}%"
    if metric.endswith("_ms"):
        return f"{value:,.0f} ms"
    if metric.endswith("_mb"):
        return f"{value:,.0f} MB"
    if metric == REQUEST_RATE:
        return f"{value:,.1f} req/s"
    if metric == CPU_PERCENT:
        return f"{value:.0f}%"
    if abs(value) >= 1000:
        return f"{value:,.0f}"  # 1,234 rather than 1.23e+03
    return f"{value:.3g}"


def percent(value: float) -> str:
    """A fraction 0..1 as a percentage."""
    return f"{value * 100:.0f}%"
