"""PromQL building blocks shared by the presets: rate sums, error ratios and histogram quantiles.

Every selector carries ``${matchers}`` (the service label set, the service filter, the operator's extra
matchers) followed by the convention's fixed matchers, so service names never enter the text of a preset.
"""

from __future__ import annotations

QUANTILES: tuple[tuple[str, float], ...] = (
    ("latency_p50_ms", 0.5),
    ("latency_p95_ms", 0.95),
    ("latency_p99_ms", 0.99),
)


def selector(metric: str, fixed: str = "") -> str:
    """``metric{${matchers}, fixed}``."""
    return f"{metric}{{${{matchers}}{', ' + fixed if fixed else ''}}}"


def rate_sum(metric: str, fixed: str = "") -> str:
    """Per-service rate of a counter, per second."""
    return f"sum by (${{label}}) (rate({selector(metric, fixed)}[${{window}}]))"


def ratio(metric: str, fixed: str, failed: str, failed_metric: str | None = None) -> str:
    """Share of ``metric`` events that failed (``failed`` matchers, or ``failed_metric``), 0..1.

    ``or ... * 0`` keeps a service with traffic but no failures at 0 instead of dropping it.
    """
    all_events = rate_sum(metric, fixed)
    failures = rate_sum(failed_metric or metric, ", ".join(part for part in (fixed, failed) if part))
    return f"({failures} or {all_events} * 0) / {all_events}"


def quantile(q: float, bucket_metric: str, fixed: str = "", to_ms: float = 1000.0) -> str:
    """The ``q`` quantile of a histogram per service, in milliseconds (``to_ms``: milliseconds per unit)."""
    inner = f"sum by (le, ${{label}}) (rate({selector(bucket_metric, fixed)}[${{window}}]))"
    scaled = f" * {to_ms:g}" if to_ms != 1.0 else ""
    return f"histogram_quantile({q}, {inner}){scaled}"


def gauge_max(metric: str, fixed: str = "", scale: str = "") -> str:
    """Per-service maximum of a gauge, with an optional ``scale`` suffix such as ``/ 1048576``."""
    return f"max by (${{label}}) ({selector(metric, fixed)}){' ' + scale if scale else ''}"
