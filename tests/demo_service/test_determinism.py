"""Same seed and same clock readings and requests give identical metrics and logs."""

from __future__ import annotations

import pytest
import requests

from demo_service import DemoService
from tests.demo_service.helpers import VirtualClock, all_logs


def _drive(seed: int, poll: bool) -> tuple[str, list[dict], dict]:
    """Run a service for 2 virtual minutes with a fault at 30 s; poll every 5 s when ``poll``."""
    clock = VirtualClock()
    with DemoService(clock=clock, seed=seed) as svc:
        url = svc.start()
        fault: dict = {}
        for step in range(24):
            clock.advance(5)
            if step == 6:
                body = {"type": "error_rate", "intensity": 0.5, "duration_seconds": 40}
                fault = requests.post(f"{url}/faults", json=body, timeout=5).json()
            elif poll:
                requests.get(f"{url}/metrics", timeout=5).raise_for_status()
                requests.get(f"{url}/logs", params={"limit": 50}, timeout=5).raise_for_status()
        metrics = requests.get(f"{url}/metrics", timeout=5).text
        return metrics, all_logs(url), fault


def test_same_seed_same_steps_give_identical_metrics_and_logs() -> None:
    first = _drive(seed=3, poll=True)
    second = _drive(seed=3, poll=True)
    assert first[0] == second[0]
    assert first[1] == second[1]
    assert first[2] == second[2]
    assert len(first[1]) > 100


def test_polling_cadence_does_not_change_the_simulation() -> None:
    polled = _drive(seed=3, poll=True)
    quiet = _drive(seed=3, poll=False)
    assert polled[0] == quiet[0]
    assert polled[1] == quiet[1]


def test_different_seeds_differ() -> None:
    assert _drive(seed=3, poll=False)[0] != _drive(seed=4, poll=False)[0]


def test_python_api_and_http_see_the_same_shop() -> None:
    clock = VirtualClock()
    with DemoService(clock=clock, seed=5) as svc:
        url = svc.start()
        clock.advance(20)
        assert requests.get(f"{url}/metrics", timeout=5).text == svc.metrics_text()
        assert requests.get(f"{url}/logs", timeout=5).json() == svc.read_logs()


@pytest.mark.slow
def test_long_gaps_jump_to_the_last_hour() -> None:
    clock = VirtualClock()
    svc = DemoService(clock=clock, seed=5)
    clock.advance(5 * 3600 + 0.5)
    health = svc.health()
    assert health["simulated_time"] == clock.now() - 0.5
    first_line_ts = svc.read_logs(limit=1)["lines"][0]["ts"]
    assert first_line_ts >= clock.now() - 3601
