"""How long simulated time takes in real time (printed, never asserted)."""

from __future__ import annotations

import time

import pytest
import requests

from demo_service import DemoService
from tests.demo_service.helpers import VirtualClock


@pytest.mark.slow
def test_ten_simulated_minutes_with_polling_every_5_seconds(capsys) -> None:
    clock = VirtualClock()
    with DemoService(clock=clock, seed=42) as svc:
        url = svc.start()
        session = requests.Session()
        wall, cpu = time.perf_counter(), time.process_time()
        cursor = None
        for _ in range(120):
            clock.advance(5)
            session.get(f"{url}/metrics", timeout=10).raise_for_status()
            page = session.get(f"{url}/logs", params={"since": cursor} if cursor else {}, timeout=10).json()
            cursor = page["cursor"]
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    with capsys.disabled():
        print(f"\n10 simulated minutes with HTTP polling every 5 s: {wall:.2f} s real, {cpu:.2f} s CPU")
    assert svc.simulation.simulated_time == clock.now()
