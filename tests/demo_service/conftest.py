"""Fixtures: a demo shop on a free local port, driven by a virtual clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from demo_service import DemoService
from tests.demo_service.helpers import VirtualClock


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def service(clock: VirtualClock) -> Iterator[DemoService]:
    svc = DemoService(clock=clock, seed=7)
    svc.start(host="127.0.0.1", port=0)
    try:
        yield svc
    finally:
        svc.stop()


@pytest.fixture
def url(service: DemoService) -> str:
    assert service.url is not None
    return service.url
