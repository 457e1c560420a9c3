"""The shop's Prometheus metrics: plain counters updated in the hot path, exported by a collector.

Counting in plain lists and dicts keeps a request's bookkeeping to a few additions, and a custom
collector on a private registry exposes no ``_created`` wall-clock samples, so two runs with the same
seed render identical text.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

from demo_service.topology import CATALOG, CHECKOUT, CPU_LIMIT_CORES, DB_POOL_SIZE, EDGES, FRONTEND, SERVICES

#: Histogram bucket upper bounds, seconds.
BUCKETS: tuple[float, ...] = (
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0,
)  # fmt: skip
_BUCKET_LABELS: tuple[str, ...] = (*(floatToGoString(b) for b in BUCKETS), "+Inf")

#: Services that query postgres and export ``shop_db_query_duration_seconds``.
DB_CLIENTS: tuple[str, ...] = (CATALOG, CHECKOUT)

#: Services that look keys up in the cache and export ``shop_cache_requests_total``.
CACHE_CLIENTS: tuple[str, ...] = (FRONTEND, CATALOG)


class Histogram:
    """Bucket counts (non-cumulative, last one is +Inf) and the sum of observed values in seconds."""

    __slots__ = ("counts", "total")

    def __init__(self) -> None:
        self.counts = [0] * (len(BUCKETS) + 1)
        self.total = 0.0

    def observe(self, seconds: float) -> None:
        """Count one observation of ``seconds``."""
        self.counts[bisect_left(BUCKETS, seconds)] += 1
        self.total += seconds

    def cumulative(self) -> list[tuple[str, float]]:
        """(le, cumulative count) pairs in bucket order, ending with +Inf."""
        running = 0
        pairs = []
        for label, count in zip(_BUCKET_LABELS, self.counts, strict=True):
            running += count
            pairs.append((label, float(running)))
        return pairs


class Telemetry:
    """Every metric value of the shop. Callers hold the simulation lock while reading or writing."""

    def __init__(self) -> None:
        self.requests: dict[str, dict[int, int]] = {s: {} for s in SERVICES}
        self.latency: dict[str, Histogram] = {s: Histogram() for s in SERVICES}
        self.db_query: dict[str, Histogram] = {s: Histogram() for s in DB_CLIENTS}
        self.dependency: dict[tuple[str, str], list[int]] = {e: [0, 0] for e in EDGES}
        self.cpu_seconds: dict[str, float] = {s: 0.0 for s in SERVICES}
        self.memory_bytes: dict[str, float] = {s: 0.0 for s in SERVICES}
        self.up: dict[str, float] = {s: 1.0 for s in SERVICES}
        self.cpu_limit_cores: dict[str, float] = {s: CPU_LIMIT_CORES for s in SERVICES}
        self.disk_size_bytes: dict[str, float] = {s: 0.0 for s in SERVICES}
        self.disk_used_bytes: dict[str, float] = {s: 0.0 for s in SERVICES}
        self.pool_in_use: dict[str, float] = {s: 0.0 for s in DB_CLIENTS}
        self.pool_waiting: dict[str, float] = {s: 0.0 for s in DB_CLIENTS}
        self.pool_timeouts: dict[str, int] = {s: 0 for s in DB_CLIENTS}
        self.cache_lookups: dict[str, list[int]] = {s: [0, 0] for s in CACHE_CLIENTS}  # [hits, misses]
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(_ShopCollector(self))

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)


class _ShopCollector(Collector):
    """Turns a ``Telemetry`` into metric families at scrape time."""

    def __init__(self, telemetry: Telemetry) -> None:
        self._t = telemetry

    def collect(self) -> Iterator[Metric]:
        yield self._requests()
        yield self._histogram(
            "shop_request_duration_seconds",
            "Server-side request latency in seconds.",
            self._t.latency,
        )
        yield self._histogram(
            "shop_db_query_duration_seconds",
            "Postgres query time in seconds, as seen by the querying service.",
            self._t.db_query,
        )
        yield self._dependencies()
        yield from self._process()
        yield from self._resources()

    def _requests(self) -> Metric:
        family = CounterMetricFamily(
            "shop_requests", "Requests served, by HTTP status code.", labels=["service", "code"]
        )
        for service in SERVICES:
            codes = self._t.requests[service]
            for code in sorted(codes):
                family.add_metric([service, str(code)], float(codes[code]))
        return family

    @staticmethod
    def _histogram(name: str, doc: str, histograms: dict[str, Histogram]) -> Metric:
        family = HistogramMetricFamily(name, doc, labels=["service"])
        for service, histogram in histograms.items():
            family.add_metric([service], histogram.cumulative(), histogram.total)
        return family

    def _dependencies(self) -> Metric:
        family = CounterMetricFamily(
            "shop_dependency_requests",
            "Outgoing calls to a dependency, by outcome (ok or error).",
            labels=["service", "dependency", "outcome"],
        )
        for (caller, callee), (ok, error) in self._t.dependency.items():
            family.add_metric([caller, callee, "ok"], float(ok))
            family.add_metric([caller, callee, "error"], float(error))
        return family

    def _process(self) -> Iterator[Metric]:
        cpu = CounterMetricFamily("shop_process_cpu_seconds", "CPU time used, in core-seconds.", labels=["service"])
        memory = GaugeMetricFamily(
            "shop_process_resident_memory_bytes", "Resident memory in bytes.", labels=["service"]
        )
        up = GaugeMetricFamily("shop_up", "1 when the service is running.", labels=["service"])
        for service in SERVICES:
            cpu.add_metric([service], round(self._t.cpu_seconds[service], 6))
            memory.add_metric([service], float(round(self._t.memory_bytes[service])))
            up.add_metric([service], self._t.up[service])
        yield cpu
        yield memory
        yield up

    def _resources(self) -> Iterator[Metric]:
        """CPU limits, data volumes and database connection pools (the fault kinds of issue 3)."""
        t = self._t
        limit = GaugeMetricFamily("shop_process_cpu_limit_cores", "CPU limit of the container.", labels=["service"])
        size = GaugeMetricFamily("shop_disk_size_bytes", "Size of the data volume in bytes.", labels=["service"])
        used = GaugeMetricFamily("shop_disk_used_bytes", "Bytes used on the data volume.", labels=["service"])
        for service in SERVICES:
            limit.add_metric([service], t.cpu_limit_cores[service])
            size.add_metric([service], t.disk_size_bytes[service])
            used.add_metric([service], t.disk_used_bytes[service])
        pool = GaugeMetricFamily(
            "shop_db_pool_connections",
            "Postgres pool connections by state (in_use, idle).",
            labels=["service", "state"],
        )
        pool_size = GaugeMetricFamily(
            "shop_db_pool_max_connections", "Size of the postgres connection pool.", labels=["service"]
        )
        waiting = GaugeMetricFamily(
            "shop_db_pool_pending_requests", "Requests waiting for a pooled connection.", labels=["service"]
        )
        timeouts = CounterMetricFamily(
            "shop_db_pool_timeouts", "Waits for a pooled connection that timed out.", labels=["service"]
        )
        for service in DB_CLIENTS:
            in_use = t.pool_in_use[service]
            pool.add_metric([service, "in_use"], in_use)
            pool.add_metric([service, "idle"], DB_POOL_SIZE - in_use)
            pool_size.add_metric([service], float(DB_POOL_SIZE))
            waiting.add_metric([service], t.pool_waiting[service])
            timeouts.add_metric([service], float(t.pool_timeouts[service]))
        lookups = CounterMetricFamily(
            "shop_cache_requests",
            "Cache lookups by result: hit, or miss (absent, expired or the cache failed to answer).",
            labels=["service", "result"],
        )
        for service, (hits, misses) in t.cache_lookups.items():
            lookups.add_metric([service, "hit"], float(hits))
            lookups.add_metric([service, "miss"], float(misses))
        yield from (limit, size, used, pool, pool_size, waiting, timeouts, lookups)
