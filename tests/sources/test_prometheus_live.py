"""A real Prometheus scraping the standalone demo service every second, queried by the source."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
import requests

from core import models as m
from core.errors import SourceError
from core.models import MetricPoint
from core.sources.prometheus import PrometheusMetricsSource
from core.sources.promql import QueryConfig
from tests.sources.prometheus_server import PrometheusServer, demo_service, prometheus_available

pytestmark = [
    pytest.mark.slow,  # a real Prometheus server, scraping in real time
    pytest.mark.skipif(
        not prometheus_available(), reason="needs Debian's prometheus package (apt-get install -y prometheus)"
    ),
]


@pytest.fixture(scope="module")
def stack() -> Iterator[tuple[str, PrometheusServer]]:
    with demo_service() as demo:
        server = PrometheusServer(urlsplit(demo).netloc)
        try:
            server.start()
            yield demo, server
        finally:
            server.close()


def source(url: str, services: list[str] | None = None) -> PrometheusMetricsSource:
    return PrometheusMetricsSource(url, config=QueryConfig(window="5s"), services=services, step=1.0, lookback=5.0)


def poll_until(
    src: PrometheusMetricsSource, ok: Callable[[dict[tuple[str, str], float]], bool], timeout: float = 25.0
) -> dict[tuple[str, str], float]:
    deadline = time.monotonic() + timeout
    values: dict[tuple[str, str], float] = {}
    while time.monotonic() < deadline:
        points: list[MetricPoint] = src.fetch(time.time())
        values = {(p.service, p.metric): p.value for p in points}
        if ok(values):
            return values
        time.sleep(0.5)
    raise AssertionError(f"condition not met in {timeout} s; last values: {sorted(values.items())[:40]}")


def test_error_rate_fault_shows_on_its_target(stack: tuple[str, PrometheusServer]) -> None:
    demo, server = stack
    src = source(server.url)
    baseline = poll_until(src, lambda v: v.get(("checkout", m.REQUEST_RATE), 0) > 0)
    assert {"frontend", "checkout", "payments"} <= {service for service, _ in baseline}
    assert baseline[("checkout", m.ERROR_RATE)] < 0.1
    assert baseline[("checkout", m.MEMORY_MB)] > 10
    assert 0 < baseline[("checkout", m.LATENCY_P95_MS)] < 5000
    assert set(src.topology().services) >= {"frontend", "checkout", "payments", "postgres", "cache"}

    reply = requests.post(
        f"{demo}/faults",
        json={"type": "error_rate", "target": "checkout", "intensity": 1.0, "duration_seconds": 120},
        timeout=5,
    )
    assert reply.status_code == 201, reply.text
    # A 10 s window averages ~40 checkout requests (sd of the error share ~0.07) once it is full of faulty traffic.
    time.sleep(10.5)
    wide = PrometheusMetricsSource(server.url, config=QueryConfig(window="10s"), step=1.0, lookback=5.0)
    values = poll_until(wide, lambda v: v.get(("checkout", m.ERROR_RATE), 0) > 0.15)
    assert values[("checkout", m.ERROR_RATE)] == pytest.approx(0.3, abs=0.2)
    others = {service: value for (service, metric), value in values.items() if metric == m.ERROR_RATE}
    assert max(others, key=others.__getitem__) == "checkout"
    requests.delete(f"{demo}/faults", timeout=5)


@pytest.mark.parametrize(
    "name",
    ['checkout"} or vector(1) #', "check.ut", "checkout|frontend", "checkout\\", "check}out", "c\nheckout", ".*"],
    ids=["quote-brace", "regex-dot", "alternation", "backslash", "brace", "newline", "dot-star"],
)
def test_hostile_service_names_match_nothing_in_real_prometheus(stack: tuple[str, PrometheusServer], name: str) -> None:
    _, server = stack
    poll_until(source(server.url), lambda v: ("checkout", m.REQUEST_RATE) in v)
    hostile = source(server.url, services=[name])
    assert hostile.fetch(time.time()) == []
    assert hostile.services() == []
    exact = source(server.url, services=["checkout"])
    assert {p.service for p in exact.fetch(time.time())} == {"checkout"}
    assert exact.services() == ["checkout"]


def test_prometheus_stopped_then_back(stack: tuple[str, PrometheusServer]) -> None:
    _, server = stack
    src = source(server.url)
    poll_until(src, lambda v: ("checkout", m.REQUEST_RATE) in v)
    server.stop()
    try:
        started = time.monotonic()
        with pytest.raises(SourceError) as info:
            src.fetch(time.time())
        assert time.monotonic() - started < 5
        assert server.url in str(info.value) and "connection failed" in str(info.value)
    finally:
        server.start()
    poll_until(src, lambda v: ("checkout", m.REQUEST_RATE) in v)
