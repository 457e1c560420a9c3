"""Turn two scrapes of the demo service's exposition into per-service signals (pure).

This is what Prometheus' ``rate()`` and ``histogram_quantile()`` would compute over the scrape
interval; counter resets (a restarted process) count from zero, as in Prometheus.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable

from core import models as m
from core.models import MetricPoint
from core.sources.prometheus_text import Snapshot

REQUESTS = "shop_requests_total"
DURATION = "shop_request_duration_seconds"
DB_DURATION = "shop_db_query_duration_seconds"
DEPENDENCY = "shop_dependency_requests_total"
CPU = "shop_process_cpu_seconds_total"
MEMORY = "shop_process_resident_memory_bytes"
DISK_USED = "shop_disk_used_bytes"
DISK_SIZE = "shop_disk_size_bytes"
POOL_CONNECTIONS = "shop_db_pool_connections"
POOL_SIZE = "shop_db_pool_max_connections"
CACHE_LOOKUPS = "shop_cache_requests_total"

_MIN_OBSERVATIONS_FOR_QUANTILE = 1


def histogram_quantile(q: float, buckets: Iterable[tuple[float, float]]) -> float | None:
    """The q-quantile (0..1) from cumulative ``(upper_bound, count)`` buckets, as Prometheus computes it.

    Returns None when the buckets hold no observation. Values in the ``+Inf`` bucket report the
    highest finite bound.
    """
    ordered = sorted(buckets)
    if not ordered or ordered[-1][1] <= 0:
        return None
    total = ordered[-1][1]
    rank = q * total
    lower_bound, lower_count = 0.0, 0.0
    for upper_bound, count in ordered:
        if count >= rank:
            if math.isinf(upper_bound):
                return lower_bound
            if count == lower_count:
                return upper_bound
            return lower_bound + (upper_bound - lower_bound) * (rank - lower_count) / (count - lower_count)
        lower_bound, lower_count = upper_bound, count
    return ordered[-1][0]


def _delta(current: float, previous: float | None) -> float:
    """Counter increase; a decrease means the process restarted and counts from zero."""
    if previous is None or current < previous:
        return current
    return current - previous


def signals_between(previous: Snapshot, current: Snapshot, seconds: float, ts: float) -> list[MetricPoint]:
    """Per-service signals over the ``seconds`` between two snapshots, stamped ``ts``."""
    if seconds <= 0:
        return []
    requests: dict[str, float] = defaultdict(float)
    errors: dict[str, float] = defaultdict(float)
    durations: dict[str, list[tuple[float, float]]] = defaultdict(list)
    db_durations: dict[str, list[tuple[float, float]]] = defaultdict(list)
    calls: dict[str, float] = defaultdict(float)
    failed_calls: dict[str, float] = defaultdict(float)
    cpu: dict[str, float] = {}
    memory: dict[str, float] = {}
    gauges: dict[tuple[str, str], float] = {}  # (sample name, service) -> value: disk and pool gauges
    lookups: dict[str, float] = defaultdict(float)
    hits: dict[str, float] = defaultdict(float)

    for (name, labels), value in current.items():
        label = dict(labels)
        service = label.get("service")
        if service is None:
            continue
        increase = _delta(value, previous.get((name, labels)))
        if name == REQUESTS:
            requests[service] += increase
            if label.get("code", "").startswith("5"):
                errors[service] += increase
        elif name == DURATION + "_bucket":
            durations[service].append((float(label["le"]), increase))
        elif name == DB_DURATION + "_bucket":
            db_durations[service].append((float(label["le"]), increase))
        elif name == DEPENDENCY:
            calls[service] += increase
            if label.get("outcome") == "error":
                failed_calls[service] += increase
        elif name == CPU:
            cpu[service] = increase / seconds * 100.0
        elif name == MEMORY:
            memory[service] = value / (1024 * 1024)
        elif name == CACHE_LOOKUPS:
            lookups[service] += increase
            if label.get("result") == "hit":
                hits[service] += increase
        elif name in (DISK_USED, DISK_SIZE, POOL_SIZE) or (name == POOL_CONNECTIONS and label.get("state") == "in_use"):
            gauges[(name, service)] = value

    points: list[MetricPoint] = []
    for service in sorted(set(requests) | set(cpu) | set(memory)):

        def add(metric: str, value: float | None, service: str = service) -> None:
            if value is not None and math.isfinite(value):
                points.append(MetricPoint(ts, service, metric, float(value)))

        total = requests.get(service, 0.0)
        add(m.REQUEST_RATE, total / seconds)
        add(m.ERROR_RATE, errors[service] / total if total > 0 else 0.0)
        buckets = durations.get(service, [])
        for metric, q in (
            (m.LATENCY_P50_MS, 0.5),
            (m.LATENCY_P95_MS, 0.95),
            (m.LATENCY_P99_MS, 0.99),
        ):
            quantile = histogram_quantile(q, buckets)
            add(metric, None if quantile is None else quantile * 1000.0)
        if service in db_durations:
            quantile = histogram_quantile(0.95, db_durations[service])
            add(m.DB_QUERY_P95_MS, None if quantile is None else quantile * 1000.0)
        if calls.get(service, 0.0) > 0:
            add(m.DEPENDENCY_ERROR_RATE, failed_calls[service] / calls[service])
        add(m.CPU_PERCENT, cpu.get(service))
        add(m.MEMORY_MB, memory.get(service))
        add(m.DISK_USED_PERCENT, _ratio(gauges, DISK_USED, DISK_SIZE, service, 100.0))
        add(m.DB_POOL_UTILIZATION, _ratio(gauges, POOL_CONNECTIONS, POOL_SIZE, service, 1.0))
        if lookups.get(service, 0.0) > 0:
            add(m.CACHE_HIT_RATIO, hits[service] / lookups[service])
    return points


def _ratio(gauges: dict[tuple[str, str], float], part: str, whole: str, service: str, scale: float) -> float | None:
    """``scale`` x part / whole of two gauges of ``service``; None when either is missing or whole is 0."""
    numerator, denominator = gauges.get((part, service)), gauges.get((whole, service))
    if numerator is None or not denominator:
        return None
    return scale * numerator / denominator
