"""Each fault changes the right signals on its target and on a caller, and logs its own template."""

from __future__ import annotations

import re

import pytest
import requests

from demo_service import DemoService
from tests.demo_service.helpers import (
    VirtualClock,
    all_logs,
    dependency_error_rate,
    error_rate,
    memory_mb,
    p95,
    scrape,
    tick,
)

WARM_UP_SECONDS = 60
WINDOW_SECONDS = 30


def _inject(url: str, kind: str, intensity: float, duration: float = 300) -> dict:
    body = {"type": kind, "intensity": intensity, "duration_seconds": duration}
    response = requests.post(f"{url}/faults", json=body, timeout=5)
    assert response.status_code == 201, response.text
    return response.json()


def _fault_window(url: str, clock: VirtualClock, kind: str, intensity: float) -> tuple[dict, dict, dict]:
    """Scrapes before and after WINDOW_SECONDS of the fault, and the healthy window before it."""
    tick(url, clock, WARM_UP_SECONDS - WINDOW_SECONDS)
    healthy_start = scrape(url)
    tick(url, clock, WINDOW_SECONDS)
    before = scrape(url)
    _inject(url, kind, intensity)
    tick(url, clock, WINDOW_SECONDS)
    after = scrape(url)
    healthy = {"start": healthy_start, "end": before}
    return healthy, before, after


def _messages(url: str, service: str, level: str) -> list[str]:
    return [line["message"] for line in all_logs(url) if line["service"] == service and line["level"] == level]


@pytest.mark.parametrize("intensity", [1.0, 0.3], ids=["full", "weak"])
def test_latency_spike_slows_target_and_caller(url: str, clock: VirtualClock, intensity: float) -> None:
    healthy, before, after = _fault_window(url, clock, "latency_spike", intensity)
    assert p95(healthy["start"], healthy["end"], "checkout") < 0.4
    assert p95(before, after, "checkout") > 1.0
    assert p95(before, after, "frontend") > 1.0
    assert p95(before, after, "catalog") < 0.4, "a fault on checkout must not slow catalog"
    assert error_rate(before, after, "checkout") < 0.05
    slow = _messages(url, "checkout", "WARN")
    pattern = r"^Slow request (GET|POST) /\S+ took \d+ ms \(threshold 1000 ms\) trace_id=[0-9a-f]{16}$"
    assert any(re.match(pattern, m) for m in slow), slow[:5]
    assert any(m.startswith("Call to checkout took") for m in _messages(url, "frontend", "WARN"))


@pytest.mark.parametrize("intensity", [1.0, 0.3], ids=["full", "weak"])
def test_error_rate_fails_target_and_caller(url: str, clock: VirtualClock, intensity: float) -> None:
    healthy, before, after = _fault_window(url, clock, "error_rate", intensity)
    assert error_rate(healthy["start"], healthy["end"], "checkout") < 0.01
    assert error_rate(before, after, "checkout") > (0.2 if intensity == 1.0 else 0.1)
    assert error_rate(before, after, "frontend") > 0.05
    assert error_rate(before, after, "catalog") < 0.01
    errors = _messages(url, "checkout", "ERROR")
    unhandled = [m for m in errors if m.startswith("Unhandled exception in ")]
    assert unhandled, errors[:5]
    assert "Traceback (most recent call last):" in unhandled[0]
    assert '  File "/app/checkout/' in unhandled[0]
    assert re.search(r"trace_id=[0-9a-f]{16}: RuntimeError: ", unhandled[0])
    assert any(m.startswith("Call to checkout failed:") for m in _messages(url, "frontend", "ERROR"))


@pytest.mark.parametrize("intensity", [1.0, 0.3], ids=["full", "weak"])
def test_db_slow_slows_postgres_and_its_clients(url: str, clock: VirtualClock, intensity: float) -> None:
    healthy, before, after = _fault_window(url, clock, "db_slow", intensity)
    assert p95(healthy["start"], healthy["end"], "postgres") < 0.1
    assert p95(before, after, "postgres") > 1.0
    assert p95(before, after, "checkout", "shop_db_query_duration_seconds") > 1.0
    assert p95(before, after, "catalog") > 1.0
    assert p95(before, after, "checkout") > 1.0
    assert p95(before, after, "payments") < 0.5, "payments does not use the database"
    slow = _messages(url, "postgres", "WARN")
    pattern = r"^duration: \d+\.\d ms  statement: (SELECT|INSERT|UPDATE) .+ \(slow query, threshold 500 ms\)$"
    assert sum(bool(re.match(pattern, m)) for m in slow) >= 5, slow[:5]
    assert any(m.startswith("Slow database query took") for m in _messages(url, "checkout", "WARN"))


@pytest.mark.parametrize("intensity", [1.0, 0.3], ids=["full", "weak"])
def test_dependency_down_fails_payments_and_checkout(url: str, clock: VirtualClock, intensity: float) -> None:
    healthy, before, after = _fault_window(url, clock, "dependency_down", intensity)
    assert dependency_error_rate(healthy["start"], healthy["end"], "payments", "payment-gateway") < 0.01
    assert dependency_error_rate(before, after, "payments", "payment-gateway") > 0.2
    assert error_rate(before, after, "payments") > 0.2
    assert error_rate(before, after, "checkout") > 0.05
    assert error_rate(before, after, "catalog") < 0.01
    errors = _messages(url, "payments", "ERROR")
    pattern = (
        r"^Connection error calling payment-gateway \(203\.0\.113\.10:443\): "
        r"connect timeout after 2000 ms trace_id=[0-9a-f]{16}$"
    )
    assert sum(bool(re.match(pattern, m)) for m in errors) >= 5, errors[:5]
    assert any(m.startswith("Call to payments failed:") for m in _messages(url, "checkout", "ERROR"))


@pytest.mark.slow
def test_memory_leak_grows_heap_until_oom_kill_and_restart(url: str, clock: VirtualClock) -> None:
    tick(url, clock, WARM_UP_SECONDS)
    before = scrape(url)
    _inject(url, "memory_leak", 1.0, duration=900)
    tick(url, clock, WINDOW_SECONDS)
    after = scrape(url)
    assert memory_mb(after, "checkout") > memory_mb(before, "checkout") + 30
    assert abs(memory_mb(after, "catalog") - memory_mb(before, "catalog")) < 30
    tick(url, clock, 270)
    assert memory_mb(scrape(url), "checkout") > 500
    warnings = _messages(url, "checkout", "WARN")
    assert any(re.match(r"^GC pause \d+ ms, heap \d+ MB$", m) for m in warnings), warnings[:5]

    tick(url, clock, 300)  # past the 1 GB limit: allocation failures, an OOM kill, a restart
    errors = _messages(url, "checkout", "ERROR")
    assert any(m.startswith("OutOfMemoryError: failed to allocate") for m in errors)
    assert any("killed by the OOM killer" in m for m in errors)
    assert any(m.startswith("Connection refused calling checkout") for m in _messages(url, "frontend", "ERROR"))
    assert any(m.startswith("Starting checkout (pid") for m in _messages(url, "checkout", "INFO"))


def test_leaked_memory_is_returned_when_the_fault_ends(url: str, clock: VirtualClock) -> None:
    tick(url, clock, WARM_UP_SECONDS)
    _inject(url, "memory_leak", 1.0, duration=60)
    tick(url, clock, 60)
    leaking = memory_mb(scrape(url), "checkout")
    tick(url, clock, 10)
    assert memory_mb(scrape(url), "checkout") < leaking - 50
    assert any(m.startswith("Rolling restart of checkout") for m in _messages(url, "checkout", "INFO"))


def test_error_rate_recovers_after_the_fault_is_stopped(url: str, clock: VirtualClock) -> None:
    tick(url, clock, WARM_UP_SECONDS)
    fault = _inject(url, "error_rate", 1.0)
    tick(url, clock, 20)
    requests.delete(f"{url}/faults/{fault['id']}", timeout=5).raise_for_status()
    tick(url, clock, 5)
    before = scrape(url)
    tick(url, clock, WINDOW_SECONDS)
    assert error_rate(before, scrape(url), "checkout") < 0.02


def test_fault_on_frontend_hits_frontend_only(clock: VirtualClock) -> None:
    with DemoService(clock=clock, seed=11) as svc:
        url = svc.start()
        tick(url, clock, WARM_UP_SECONDS)
        before = scrape(url)
        svc.inject("error_rate", target="frontend")
        tick(url, clock, WINDOW_SECONDS)
        after = scrape(url)
        assert error_rate(before, after, "frontend") > 0.2
        assert error_rate(before, after, "checkout") < 0.01
