"""The API against a real runtime: a temporary DuckDB file, the embedded demo service over HTTP, the detection
loop ticked by hand on a virtual clock (so an incident and its analysis are ready when a test starts)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.routing import Mount

from app.api import build_api
from core.clock import VirtualClock
from core.config import Settings
from core.models import Incident
from core.runtime import Runtime
from demo_service import DemoService

TOKEN = "tok-3f9a1c7e5b2d4a6f8e0c1b3d5f7a9c2e"  # a made-up secret the tests grep for
INTERVAL = 5.0


def start(path: Path, **settings: object) -> Runtime:
    """A runtime on a virtual clock, no scheduler thread, analyses inline (when the monitor opens an incident)."""
    config = Settings(_env_file=None, incident_db_path=path, **settings)
    return Runtime.start(config, demo=DemoService, clock=VirtualClock(), run_scheduler=False, synchronous_analysis=True)


def tick(runtime: Runtime, seconds: float = INTERVAL) -> None:
    """Advance the virtual clock and run one detection poll."""
    assert isinstance(runtime.clock, VirtualClock)
    runtime.clock.advance(seconds)
    runtime.monitor.tick()


def tick_until(runtime: Runtime, done: Callable[[], object], polls: int = 60) -> None:
    """Poll until ``done()`` is truthy; fails after ``polls`` polls."""
    for _ in range(polls):
        tick(runtime)
        if done():
            return
    raise AssertionError(f"not done after {polls} polls")


def client_for(runtime: Runtime) -> TestClient:
    """A client of the API mounted under /api, as the server mounts it."""
    return TestClient(Starlette(routes=[Mount("/api", app=build_api(lambda: runtime))]))


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """A runtime without API_TOKEN, warmed up for 5 minutes of virtual time."""
    rt = start(tmp_path_factory.mktemp("api") / "api.duckdb")
    try:
        for _ in range(60):
            tick(rt)
        yield rt
    finally:
        rt.close()


@pytest.fixture(scope="module")
def client(runtime: Runtime) -> TestClient:
    return client_for(runtime)


@pytest.fixture(scope="module")
def incident(runtime: Runtime, client: TestClient) -> Incident:
    """An analysed incident: error_rate injected on checkout through the API, detected by the loop."""
    response = client.post("/api/faults", json={"type": "error_rate", "target": "checkout", "duration_seconds": 600})
    assert response.status_code == 201, response.text
    tick_until(runtime, lambda: [i for i in runtime.store.list_incidents() if i.root_cause_kind])
    return runtime.store.list_incidents()[0]


@pytest.fixture(scope="module")
def token_runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """A runtime with API_TOKEN set."""
    rt = start(tmp_path_factory.mktemp("api-token") / "token.duckdb", api_token=TOKEN)
    try:
        tick(rt)
        yield rt
    finally:
        rt.close()


@pytest.fixture(scope="module")
def token_client(token_runtime: Runtime) -> TestClient:
    return client_for(token_runtime)
