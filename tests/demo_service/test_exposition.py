"""The shop's own exposition writer against prometheus_client's: the same text, byte for byte."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from demo_service import DemoService
from demo_service.telemetry import DB_CLIENTS, Histogram, Telemetry
from demo_service.topology import DB_POOL_SIZE, SERVICES
from tests.demo_service.helpers import FAULT_KINDS, VirtualClock


def reference_text(telemetry: Telemetry) -> bytes:
    """What ``generate_latest`` writes for the shop's metric families."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ReferenceCollector(telemetry))
    return generate_latest(registry)


def test_a_fresh_shop_renders_as_prometheus_client_does() -> None:
    telemetry = Telemetry()
    assert telemetry.render() == reference_text(telemetry)


@pytest.mark.parametrize("kind", sorted(FAULT_KINDS))
def test_every_fault_kind_renders_as_prometheus_client_does(kind: str) -> None:
    clock = VirtualClock()
    shop = DemoService(clock=clock, seed=13)
    clock.advance(20)
    shop.inject(kind, intensity=1.0, duration_seconds=60)
    for _ in range(8):  # into the fault and past its end: restarts, full disks, odd values
        clock.advance(10)
        text = shop.simulation.metrics_text()
        assert text == reference_text(shop.simulation._telemetry)
    assert b"shop_requests_total{code=" in text


def test_unusual_values_render_as_prometheus_client_does() -> None:
    telemetry = Telemetry()
    telemetry.requests["frontend"] = {200: 10**9, 503: 7}
    telemetry.latency["frontend"].total = 1e-7
    telemetry.memory_bytes["cache"] = 123456789.6
    telemetry.cpu_seconds["payments"] = 0.1234567891
    telemetry.disk_size_bytes["postgres"] = 2.5e12
    telemetry.pool_in_use["catalog"] = float(DB_POOL_SIZE)
    assert telemetry.render() == reference_text(telemetry)


class ReferenceCollector(Collector):
    """The shop's metric families as prometheus_client builds them (the collector the shop used to serve)."""

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
