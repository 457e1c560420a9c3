"""The demo shop's own names (``shop_*``, service in label ``service``): the tool's default templates.

Its ``shop_dependency_requests_total{service, dependency}`` also names who calls whom.
"""

from __future__ import annotations

from core import models as m
from core.sources.presets.model import EdgeQuery, Preset, SignalTemplate
from core.sources.promql import DEFAULT_TEMPLATES

PREFIX = "shop_"

#: Metric names each signal's default template reads (with the prefix).
_REQUIRES: dict[str, tuple[str, ...]] = {
    m.REQUEST_RATE: ("requests_total",),
    m.ERROR_RATE: ("requests_total",),
    m.LATENCY_P50_MS: ("request_duration_seconds_bucket",),
    m.LATENCY_P95_MS: ("request_duration_seconds_bucket",),
    m.LATENCY_P99_MS: ("request_duration_seconds_bucket",),
    m.CPU_PERCENT: ("process_cpu_seconds_total",),
    m.MEMORY_MB: ("process_resident_memory_bytes",),
    m.DB_QUERY_P95_MS: ("db_query_duration_seconds_bucket",),
    m.DEPENDENCY_ERROR_RATE: ("dependency_requests_total",),
    m.DISK_USED_PERCENT: ("disk_used_bytes", "disk_size_bytes"),
    m.DB_POOL_UTILIZATION: ("db_pool_connections", "db_pool_max_connections"),
    m.CACHE_HIT_RATIO: ("cache_requests_total",),
}

SHOP = Preset(
    name="shop",
    title="Demo shop names (shop_*)",
    templates=tuple(
        SignalTemplate(
            signal,
            DEFAULT_TEMPLATES[signal].replace("${prefix}", PREFIX),
            tuple(PREFIX + name for name in names),
            ("service",),
        )
        for signal, names in _REQUIRES.items()
    ),
    edges=EdgeQuery(metric=PREFIX + "dependency_requests_total", caller="service", callee="dependency"),
)
