"""The in-process transport of simulations: the bytes, parsed samples and log events the HTTP server gives."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.config import Settings
from core.errors import FaultRequestError
from core.simulation import FaultSpec, simulate
from core.sources.demo import DemoLogSource, DemoMetricsSource, DemoServiceClient
from core.sources.http import HttpClient
from core.sources.in_process import IN_PROCESS_URL, InProcessTransport
from demo_service import DemoService
from tests.demo_service.helpers import VirtualClock


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def shop(clock: VirtualClock) -> Iterator[DemoService]:
    """One shop served on a real port and answering in process: both paths read the same state."""
    service = DemoService(clock=clock, seed=11)
    service.start()
    try:
        yield service
    finally:
        service.stop()


def _clients(shop: DemoService) -> tuple[DemoServiceClient, DemoServiceClient]:
    assert shop.url is not None
    return DemoServiceClient(shop.url), DemoServiceClient(IN_PROCESS_URL, transport=InProcessTransport(shop.handle))


def test_in_process_gives_the_samples_and_log_events_http_gives(shop: DemoService, clock: VirtualClock) -> None:
    over_http, in_process = _clients(shop)
    sources = [(DemoMetricsSource(client), DemoLogSource(client)) for client in (over_http, in_process)]
    clock.advance(30)
    in_process.inject("error_rate", "checkout", 0.5, 60)
    for _ in range(6):
        clock.advance(5)
        assert over_http.metrics_text() == in_process.metrics_text()
        (http_metrics, http_logs), (local_metrics, local_logs) = sources
        samples = http_metrics.fetch(clock.now())
        assert samples == local_metrics.fetch(clock.now())
        events = http_logs.fetch(clock.now())
        assert events == local_logs.fetch(clock.now())
    assert len(samples) > 50 and any(event.level == "ERROR" for event in events)
    assert over_http.topology() == in_process.topology()
    assert over_http.faults() == in_process.faults()
    assert over_http.health() == in_process.health()


@pytest.mark.parametrize(
    ("method", "target", "body"),
    [
        ("GET", "/nope", None),
        ("GET", "/logs?since=abc", None),
        ("GET", "/logs?limit=2&since=0", None),
        ("PUT", "/metrics", None),
        ("HEAD", "/health", None),
        ("POST", "/faults", {"type": "no_such_kind"}),
        ("DELETE", "/faults/unknown-id", None),
    ],
    ids=["unknown-path", "bad-cursor", "log-page", "wrong-method", "head", "refused-fault", "unknown-fault"],
)
def test_in_process_answers_every_request_as_the_server_does(
    shop: DemoService, clock: VirtualClock, method: str, target: str, body: dict | None
) -> None:
    assert shop.url is not None
    clock.advance(12)
    path, _, query = target.partition("?")
    params = dict(pair.split("=") for pair in query.split("&")) if query else None
    over_http = HttpClient(shop.url).request(method, path, params=params, json=body)
    in_process = HttpClient(IN_PROCESS_URL, transport=InProcessTransport(shop.handle)).request(
        method, path, params=params, json=body
    )
    assert in_process.status_code == over_http.status_code
    assert in_process.content == over_http.content
    assert in_process.headers["Content-Type"] == over_http.headers["Content-Type"]
    assert in_process.text == over_http.text  # the same decoding


def test_a_refused_fault_raises_the_same_error_in_process(shop: DemoService) -> None:
    _, in_process = _clients(shop)
    with pytest.raises(FaultRequestError, match="no_such_kind"):
        in_process.inject("no_such_kind", None, 1.0, 60)


@pytest.mark.slow
def test_simulate_in_process_and_over_http_give_the_same_result(tmp_path: Path) -> None:
    runs = [
        simulate(
            [FaultSpec("error_rate", "payments", 0.6)],
            demo=DemoService,
            settings=Settings(),
            duration=90,
            warmup=120,
            seed=4,
            db=tmp_path / f"{'http' if http else 'local'}.duckdb",
            http=http,
        )
        for http in (True, False)
    ]
    assert runs[0].incidents, "the fault should open an incident"
    assert runs[0].model_dump() == runs[1].model_dump()
