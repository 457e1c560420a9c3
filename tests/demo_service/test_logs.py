"""/logs cursor semantics (since, limit, dropped), validation, and what the lines look like."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests

from demo_service import DemoService
from demo_service.logbuffer import CursorError, LogBuffer
from tests.demo_service.helpers import VirtualClock, all_logs, tick

CAPACITY = 500


@pytest.fixture
def small(clock: VirtualClock) -> Iterator[str]:
    """A shop whose log buffer keeps only CAPACITY lines."""
    with DemoService(clock=clock, seed=9, log_capacity=CAPACITY) as svc:
        yield svc.start()


def _page(url: str, **params: object) -> dict:
    response = requests.get(f"{url}/logs", params=params, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()


def test_since_and_limit_page_through_every_line_once(url: str, clock: VirtualClock) -> None:
    clock.advance(60)
    everything = _page(url, limit=10000)
    assert everything["dropped"] == 0
    paged: list[dict] = []
    cursor = None
    while True:
        page = _page(url, limit=7, **({"since": cursor} if cursor else {}))
        assert len(page["lines"]) <= 7
        paged.extend(page["lines"])
        if not page["lines"]:
            assert page["cursor"] == cursor
            break
        cursor = page["cursor"]
    assert paged == everything["lines"]
    assert cursor == everything["cursor"] == str(len(paged))


def test_a_cursor_returns_only_newer_lines(url: str, clock: VirtualClock) -> None:
    clock.advance(10)
    first = _page(url)
    clock.advance(10)
    newer = _page(url, since=first["cursor"])
    assert newer["lines"]
    assert min(line["ts"] for line in newer["lines"]) >= max(line["ts"] for line in first["lines"]) - 1
    assert int(newer["cursor"]) == int(first["cursor"]) + len(newer["lines"])
    assert _page(url, since=newer["cursor"])["lines"] == []


@pytest.mark.slow
def test_default_limit_is_1000(url: str, clock: VirtualClock) -> None:
    clock.advance(600)
    assert len(_page(url)["lines"]) == 1000


def test_dropped_counts_lines_lost_before_the_reader_got_them(small: str, clock: VirtualClock) -> None:
    clock.advance(5)
    cursor = _page(small)["cursor"]
    clock.advance(300)  # far more than CAPACITY lines
    page = _page(small, since=cursor, limit=10000)
    newest = int(page["cursor"])
    assert len(page["lines"]) == CAPACITY
    assert page["dropped"] == newest - CAPACITY - int(cursor)
    fresh = _page(small, limit=10000)
    assert fresh["dropped"] == newest - CAPACITY
    assert fresh["lines"] == page["lines"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({"since": "abc"}, "'since' must be a cursor returned by /logs", id="since-text"),
        pytest.param({"since": "-1"}, "'since' must be a cursor", id="since-negative"),
        pytest.param({"since": "999999"}, "ahead of the newest line", id="since-ahead"),
        pytest.param({"limit": "0"}, "'limit' must be an integer from 1 to 10000, got '0'", id="limit-0"),
        pytest.param({"limit": "10001"}, "from 1 to 10000", id="limit-too-big"),
        pytest.param({"limit": "ten"}, "from 1 to 10000", id="limit-text"),
        pytest.param({"level": "ERROR"}, "unknown query parameter(s) level", id="unknown-param"),
        pytest.param([("limit", "1"), ("limit", "2")], "'limit' given more than once", id="repeated"),
    ],
)
def test_invalid_parameters_answer_400(url: str, params: object, expected: str) -> None:
    response = requests.get(f"{url}/logs", params=params, timeout=5)
    assert response.status_code == 400
    assert expected in response.json()["error"]
    assert requests.get(f"{url}/health", timeout=5).status_code == 200


@pytest.mark.slow
def test_lines_look_like_real_service_logs(url: str, clock: VirtualClock) -> None:
    tick(url, clock, 600)
    lines = all_logs(url)
    assert all(isinstance(line["ts"], float) and line["ts"] <= clock.now() for line in lines)
    assert {line["service"] for line in lines} == {"frontend", "catalog", "checkout", "payments", "postgres", "cache"}
    assert {line["level"] for line in lines} >= {"DEBUG", "INFO"}
    assert {line["level"] for line in lines} <= {"DEBUG", "INFO", "WARN", "ERROR"}
    access = re.compile(r"^(GET|POST) /\S* \d{3} \d+ms ip=[\d.]+ trace_id=[0-9a-f]{16}$")
    frontend = [line for line in lines if line["service"] == "frontend" and access.match(line["message"])]
    assert len(frontend) > 100
    assert all(line["trace_id"] in line["message"] and line["route"] for line in frontend)
    assert not [line for line in lines if line["level"] == "ERROR"], "a healthy shop logs no errors this early"


def test_log_buffer_unit() -> None:
    buffer = LogBuffer(capacity=3)
    for i in range(5):
        buffer.append(100.0 + i, "cache", "INFO", f"line {i}", {"k": i})
    page = buffer.read(None)
    assert [line["message"] for line in page.lines] == ["line 2", "line 3", "line 4"]
    assert (page.cursor, page.dropped) == ("5", 2)
    assert page.lines[0] == {"ts": 102.0, "service": "cache", "level": "INFO", "message": "line 2", "k": 2}
    assert buffer.read(3, limit=1).lines[0]["message"] == "line 3"
    assert buffer.read(1).dropped == 1
    assert buffer.read(5).lines == []
    with pytest.raises(CursorError, match="ahead of the newest line 5"):
        buffer.read(6)
