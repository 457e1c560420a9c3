"""The six kinds of the full fault catalogue: each moves its own signals on its target and its callers,
leaves unrelated services alone, and logs its own template."""

from __future__ import annotations

import re

import pytest
import requests

from core import models as m
from core.sources.demo import DemoMetricsSource, DemoServiceClient
from tests.demo_service.helpers import (
    Scrape,
    VirtualClock,
    all_logs,
    dependency_error_rate,
    error_rate,
    increase,
    memory_mb,
    p95,
    scrape,
    tick,
)

WARM_UP_SECONDS = 60
WINDOW_SECONDS = 20
INTENSITIES = pytest.mark.parametrize("intensity", [1.0, 0.3], ids=["full", "weak"])


def _inject(url: str, kind: str, target: str, intensity: float, duration: float = 300) -> dict:
    body = {"type": kind, "target": target, "intensity": intensity, "duration_seconds": duration}
    response = requests.post(f"{url}/faults", json=body, timeout=5)
    assert response.status_code == 201, response.text
    return response.json()


def _windows(url: str, clock: VirtualClock, kind: str, target: str, intensity: float) -> tuple[Scrape, Scrape, Scrape]:
    """Scrapes at the start of a healthy window, at injection, and WINDOW_SECONDS into the fault."""
    tick(url, clock, WARM_UP_SECONDS - WINDOW_SECONDS)
    healthy = scrape(url)
    tick(url, clock, WINDOW_SECONDS)
    before = scrape(url)
    _inject(url, kind, target, intensity)
    tick(url, clock, WINDOW_SECONDS)
    return healthy, before, scrape(url)


def _messages(url: str, service: str, level: str) -> list[str]:
    return [line["message"] for line in all_logs(url) if line["service"] == service and line["level"] == level]


def _cpu_cores(before: Scrape, after: Scrape, service: str) -> float:
    return increase(before, after, "shop_process_cpu_seconds_total", service=service) / WINDOW_SECONDS


def _rate(before: Scrape, after: Scrape, service: str) -> float:
    return increase(before, after, "shop_requests_total", service=service) / WINDOW_SECONDS


def _gauge(scrape_: Scrape, name: str, **labels: str) -> float:
    wanted = set(labels.items())
    return sum(v for (n, lbls), v in scrape_.items() if n == name and wanted <= set(lbls))


@INTENSITIES
def test_cpu_saturation_pins_cpu_and_queues_requests(url: str, clock: VirtualClock, intensity: float) -> None:
    healthy, before, after = _windows(url, clock, "cpu_saturation", "catalog", intensity)
    assert _cpu_cores(healthy, before, "catalog") < 0.3
    assert _cpu_cores(before, after, "catalog") > 0.9
    assert _gauge(after, "shop_process_cpu_limit_cores", service="catalog") == 1.0
    assert p95(before, after, "catalog") > 1.0
    assert p95(before, after, "frontend") > 1.0, "callers wait for the saturated catalog"
    assert error_rate(before, after, "catalog") < 0.01
    assert p95(before, after, "checkout") < 0.4 and _cpu_cores(before, after, "checkout") < 0.3
    warnings = _messages(url, "catalog", "WARN")
    pattern = (
        r"^CPU throttled: demand \d+\.\d\d cores exceeds the 1\.00-core limit \(cgroup cpu\.max\); requests wait \d+ ms"
    )
    assert any(re.match(pattern, w) for w in warnings), warnings[:5]
    assert not any(w.startswith("Slow request") for w in warnings), "queueing is not the handler's own time"


def test_cpu_saturation_on_postgres_slows_its_clients_without_slow_query_logs(url: str, clock: VirtualClock) -> None:
    _, before, after = _windows(url, clock, "cpu_saturation", "postgres", 0.3)
    assert _cpu_cores(before, after, "postgres") > 0.9
    assert p95(before, after, "catalog", "shop_db_query_duration_seconds") > 1.0
    assert not any(w.startswith("duration:") for w in _messages(url, "postgres", "WARN"))
    assert any(w.startswith("Slow database query took") for w in _messages(url, "checkout", "WARN"))


@INTENSITIES
def test_pool_exhaustion_fails_queries_while_postgres_stays_healthy(
    url: str, clock: VirtualClock, intensity: float
) -> None:
    _, before, after = _windows(url, clock, "connection_pool_exhaustion", "checkout", intensity)
    pool = {"service": "checkout", "state": "in_use"}
    assert _gauge(before, "shop_db_pool_connections", **pool) <= 2
    assert _gauge(after, "shop_db_pool_connections", **pool) == 10
    assert _gauge(after, "shop_db_pool_connections", service="catalog", state="in_use") <= 2
    assert _gauge(after, "shop_db_pool_max_connections", service="checkout") == 10
    assert increase(before, after, "shop_db_pool_timeouts_total", service="checkout") > 20
    assert error_rate(before, after, "checkout") > 0.2
    assert error_rate(before, after, "frontend") > 0.05
    assert error_rate(before, after, "catalog") < 0.01
    assert p95(before, after, "postgres") < 0.1, "postgres itself is fine"
    assert error_rate(before, after, "postgres") < 0.01
    pattern = (
        r"^sqlalchemy\.exc\.TimeoutError: timed out waiting for a connection from pool 'postgres' "
        r"\(size 10, in use 10, waiting \d+\) after 2000 ms trace_id=[0-9a-f]{16}$"
    )
    errors = _messages(url, "checkout", "ERROR")
    assert any(re.match(pattern, e) for e in errors), errors[:5]
    assert not _messages(url, "postgres", "ERROR")


def test_pool_recovers_when_the_fault_ends(url: str, clock: VirtualClock) -> None:
    tick(url, clock, WARM_UP_SECONDS)
    _inject(url, "connection_pool_exhaustion", "catalog", 1.0, duration=20)
    tick(url, clock, 25)
    before = scrape(url)
    tick(url, clock, WINDOW_SECONDS)
    after = scrape(url)
    assert error_rate(before, after, "catalog") < 0.01
    assert _gauge(after, "shop_db_pool_connections", service="catalog", state="in_use") <= 2
    assert any("Connection leak detection triggered" in w for w in _messages(url, "catalog", "WARN"))


@INTENSITIES
def test_bad_deploy_logs_the_deploy_then_fails_with_the_new_version(
    url: str, clock: VirtualClock, intensity: float
) -> None:
    _, before, after = _windows(url, clock, "bad_deploy", "checkout", intensity)
    assert error_rate(before, after, "checkout") > 0.15
    assert error_rate(before, after, "frontend") > 0.05
    assert error_rate(before, after, "catalog") < 0.01
    assert memory_mb(after, "checkout") < memory_mb(before, "checkout") + 5, "the new process starts small"
    lines = [line for line in all_logs(url) if line["service"] == "checkout"]
    deploy = next(i for i, line in enumerate(lines) if line["message"].startswith("Deployed checkout"))
    assert lines[deploy]["level"] == "INFO"
    assert lines[deploy]["message"].startswith("Deployed checkout to version 1.23.0 (previous 1.22.4)")
    failures = [i for i, line in enumerate(lines) if line["level"] == "ERROR"]
    assert failures and failures[0] > deploy, "the deploy event comes before the first failure"
    first = lines[failures[0]]["message"]
    assert re.match(r"^Unhandled exception in (GET|POST) \S+ \(version 1\.23\.0\) trace_id=[0-9a-f]{16}: ", first)
    assert "Traceback (most recent call last):" in first


def test_bad_deploy_is_rolled_back_when_the_fault_ends(url: str, clock: VirtualClock) -> None:
    tick(url, clock, WARM_UP_SECONDS)
    _inject(url, "bad_deploy", "payments", 1.0, duration=10)
    tick(url, clock, 15)
    before = scrape(url)
    tick(url, clock, WINDOW_SECONDS)
    assert error_rate(before, scrape(url), "payments") < 0.02
    info = _messages(url, "payments", "INFO")
    assert any(i.startswith("Rolled back payments to version 4.3.1 (previous 4.4.0)") for i in info)


@INTENSITIES
def test_cache_failure_slows_callers_and_shifts_load_to_the_database(
    url: str, clock: VirtualClock, intensity: float
) -> None:
    healthy, before, after = _windows(url, clock, "cache_failure", "cache", intensity)
    assert dependency_error_rate(before, after, "frontend", "cache") > 0.15
    assert dependency_error_rate(before, after, "catalog", "cache") > 0.15
    assert p95(before, after, "frontend") > 1.0
    assert error_rate(before, after, "frontend") < 0.01, "callers fall back instead of failing"
    queries = "shop_db_query_duration_seconds_count"
    assert increase(before, after, queries, service="catalog") > 1.2 * increase(
        healthy, before, queries, service="catalog"
    )
    assert _rate(before, after, "cache") < 0.8 * _rate(healthy, before, "cache")
    for caller in ("frontend", "catalog"):
        hits = {"service": caller, "result": "hit"}
        healthy_ratio = increase(healthy, before, "shop_cache_requests_total", **hits) / increase(
            healthy, before, "shop_cache_requests_total", service=caller
        )
        ratio = increase(before, after, "shop_cache_requests_total", **hits) / increase(
            before, after, "shop_cache_requests_total", service=caller
        )
        assert healthy_ratio > 0.7 and ratio < healthy_ratio - 0.1, (caller, healthy_ratio, ratio)
    pattern = (
        r"^Cache unavailable for GET \S+: TimeoutError: Timeout reading from cache:6379 after 1000 ms; "
        r"falling back to database trace_id=[0-9a-f]{16}$"
    )
    for caller in ("frontend", "catalog"):
        warnings = _messages(url, caller, "WARN")
        assert any(re.match(pattern, w) for w in warnings), warnings[:5]


@INTENSITIES
def test_disk_full_fails_writes_but_not_reads(url: str, clock: VirtualClock, intensity: float) -> None:
    _, before, after = _windows(url, clock, "disk_full", "postgres", intensity)
    size = _gauge(after, "shop_disk_size_bytes", service="postgres")
    assert _gauge(before, "shop_disk_used_bytes", service="postgres") < 0.7 * size
    assert _gauge(after, "shop_disk_used_bytes", service="postgres") == size
    assert error_rate(before, after, "checkout") > 0.15
    assert error_rate(before, after, "catalog") < 0.01, "reads still work"
    errors = _messages(url, "postgres", "ERROR")
    extend = r'^ERROR:  could not extend file "base/16384/\d+": No space left on device\nHINT:  Check free disk space\.'
    assert any(re.match(extend, e) for e in errors), errors[:5]
    client = _messages(url, "checkout", "ERROR")
    assert any("DiskFull: could not extend file: No space left on device (sqlstate 53100)" in e for e in client)


def test_disk_is_freed_when_the_fault_ends(url: str, clock: VirtualClock) -> None:
    tick(url, clock, WARM_UP_SECONDS)
    _inject(url, "disk_full", "postgres", 1.0, duration=10)
    tick(url, clock, 15)
    before = scrape(url)
    tick(url, clock, WINDOW_SECONDS)
    after = scrape(url)
    assert _gauge(after, "shop_disk_used_bytes", service="postgres") < 0.7 * _gauge(after, "shop_disk_size_bytes")
    assert error_rate(before, after, "checkout") < 0.02


@INTENSITIES
def test_traffic_surge_loads_every_service_and_sheds_at_the_frontend(
    url: str, clock: VirtualClock, intensity: float
) -> None:
    healthy, before, after = _windows(url, clock, "traffic_surge", "frontend", intensity)
    assert _rate(before, after, "frontend") > 2.5 * _rate(healthy, before, "frontend")
    for callee in ("catalog", "checkout", "postgres", "cache"):
        assert _rate(before, after, callee) > 1.8 * _rate(healthy, before, callee), callee
        if callee != "cache":  # the cache's CPU is mostly idle work
            assert _cpu_cores(before, after, callee) > 1.3 * _cpu_cores(healthy, before, callee), callee
    assert error_rate(before, after, "frontend") > 0.1
    assert increase(before, after, "shop_requests_total", service="frontend", code="503") > 0
    for service in ("catalog", "checkout", "payments", "postgres"):
        assert error_rate(before, after, service) < 0.01, service
    warnings = _messages(url, "frontend", "WARN")
    pattern = r"^Load shedding: \d+ requests arrived in the last second, above the capacity of 120 req/s; rejected \d+"
    assert any(re.match(pattern, w) for w in warnings), warnings[:5]
    assert not any(line["level"] == "ERROR" for line in all_logs(url)), "no component is broken"


def test_canonical_signals_include_disk_pool_and_cache_use(url: str, clock: VirtualClock) -> None:
    source = DemoMetricsSource(DemoServiceClient(url))
    tick(url, clock, 30)
    source.fetch(clock.now())
    _inject(url, "disk_full", "postgres", 1.0)
    _inject(url, "connection_pool_exhaustion", "catalog", 1.0)
    _inject(url, "cache_failure", "cache", 1.0)
    tick(url, clock, 10)
    points = source.fetch(clock.now())
    hits = {p.service: p.value for p in points if p.metric == m.CACHE_HIT_RATIO}
    assert set(hits) == {"frontend", "catalog"}
    assert all(value < 0.4 for value in hits.values()), hits
    disk = {p.service: p.value for p in points if p.metric == m.DISK_USED_PERCENT}
    pool = {p.service: p.value for p in points if p.metric == m.DB_POOL_UTILIZATION}
    assert set(disk) == {"frontend", "catalog", "checkout", "payments", "postgres", "cache"}
    assert disk["postgres"] == pytest.approx(100.0)
    assert all(value < 80 for service, value in disk.items() if service != "postgres")
    assert set(pool) == {"catalog", "checkout"}
    assert pool["catalog"] == pytest.approx(1.0)
    assert pool["checkout"] < 0.5


def test_disk_full_on_an_application_fails_its_post_handlers(url: str, clock: VirtualClock) -> None:
    _, before, after = _windows(url, clock, "disk_full", "checkout", 0.3)
    assert _gauge(after, "shop_disk_used_bytes", service="checkout") == _gauge(
        after, "shop_disk_size_bytes", service="checkout"
    )
    assert increase(before, after, "shop_requests_total", service="checkout", code="500") > 10
    assert error_rate(before, after, "postgres") < 0.01 and error_rate(before, after, "catalog") < 0.01
    errors = _messages(url, "checkout", "ERROR")
    pattern = r"^Failed to write spool file for POST \S+: OSError: \[Errno 28\] No space left on device: '/data/spool/"
    assert any(re.match(pattern, e) for e in errors), errors[:5]
    assert any(e.startswith("--- Logging error --- OSError: [Errno 28]") for e in errors)
