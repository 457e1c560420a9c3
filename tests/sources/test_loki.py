"""The Loki source against a local server that answers as Loki's documented query_range API does."""

from __future__ import annotations

import json

import pytest

from core.errors import ConfigError, SourceError
from core.sources.http import HttpAuth
from core.sources.logql import DEFAULT_SELECTOR, check_selector_template, parse_streams, selector
from core.sources.loki import LokiLogSource
from tests.sources.fake_loki import TEXT, FakeLoki, fake_loki
from tests.sources.selector_parser import parse_selector, random_names

S = 1_000_000_000  # nanoseconds per second
NOW = 1_700_000_000.0
T0 = int((NOW - 30) * S)


def source(loki: FakeLoki, services: list[str], **kwargs: object) -> LokiLogSource:
    assert loki.server is not None
    return LokiLogSource(loki.server.url, services=services, **kwargs)  # type: ignore[arg-type]


def test_streams_become_events_with_seconds_service_and_level() -> None:
    with fake_loki() as loki:
        loki.push({"service": "checkout", "level": "error"}, T0 + 5, "payment failed for order 7")
        loki.push({"service": "checkout"}, T0 + 2, "2024-01-01T00:00:00Z WARN slow call to payments")
        loki.push({"service": "frontend", "pod": "fe-1"}, T0 + 1, '{"msg": "GET / 200", "level": "info", "route": "/"}')
        loki.push({"service": "other"}, T0, "not asked for")
        events = source(loki, ["checkout", "frontend"]).fetch(NOW)
    assert [(e.service, e.level, e.message) for e in events] == [
        ("frontend", "INFO", "GET / 200"),
        ("checkout", "WARN", "2024-01-01T00:00:00Z WARN slow call to payments"),
        ("checkout", "ERROR", "payment failed for order 7"),
    ]
    assert events[0].ts == pytest.approx((T0 + 1) / S)
    assert events[0].attrs["pod"] == "fe-1" and events[0].attrs["route"] == "/"
    assert [r.params["query"][0] for r in loki.requests] == ['{service="checkout"}', '{service="frontend"}']
    first = loki.requests[0].params
    assert first["direction"] == ["forward"] and first["start"] == [str(int((NOW - 60) * S))]


def test_next_poll_returns_only_new_lines_even_at_the_boundary_timestamp() -> None:
    with fake_loki() as loki:
        src = source(loki, ["a"])
        loki.push({"service": "a"}, T0, "one")
        loki.push({"service": "a"}, T0 + 10, "two")
        assert [e.message for e in src.fetch(NOW)] == ["one", "two"]
        loki.push({"service": "a"}, T0 + 10, "three, same nanosecond as two")
        loki.push({"service": "a"}, T0 + 20, "four")
        assert [e.message for e in src.fetch(NOW + 1)] == ["three, same nanosecond as two", "four"]
        assert src.fetch(NOW + 2) == []
        assert loki.requests[1].params["start"] == [str(T0 + 10)]


def test_pagination_reads_everything_once_when_the_limit_is_hit() -> None:
    with fake_loki() as loki:
        for i in range(10):
            loki.push({"service": "a"}, T0 + i // 2, f"line {i}")  # pairs share a timestamp
        events = source(loki, ["a"], limit=3).fetch(NOW)
    assert [e.message for e in events] == [f"line {i}" for i in range(10)]
    assert len(loki.requests) >= 4


def test_more_lines_at_one_nanosecond_than_the_limit_does_not_loop() -> None:
    with fake_loki() as loki:
        for i in range(5):
            loki.push({"service": "a"}, T0, f"same {i}")
        loki.push({"service": "a"}, T0 + 1, "after")
        events = source(loki, ["a"], limit=2, max_pages=10).fetch(NOW)
    messages = [e.message for e in events]
    assert messages[-1] == "after" and len(messages) == len(set(messages))
    assert len(loki.requests) <= 10


def test_failure_keeps_the_cursor_so_no_line_is_lost() -> None:
    with fake_loki() as loki:
        src = source(loki, ["a"])
        loki.push({"service": "a"}, T0, "before")
        assert len(src.fetch(NOW)) == 1
        loki.push({"service": "a"}, T0 + 5, "during outage")
        loki.fail_with = (503, TEXT, "too many outstanding requests")
        with pytest.raises(SourceError, match=r"HTTP 503: too many outstanding requests"):
            src.fetch(NOW + 1)
        loki.fail_with = None
        assert [e.message for e in src.fetch(NOW + 2)] == ["during outage"]


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{service=$service} |= ", "HTTP 400: parse error"),
        ("{service=~$service", "HTTP 400: parse error at line 1"),
    ],
    ids=["pipeline", "unclosed"],
)
def test_plain_text_400_becomes_source_error_with_loki_message(template: str, message: str) -> None:
    with fake_loki() as loki, pytest.raises(SourceError, match=message) as info:
        source(loki, ["a"], selector_template=template).fetch(NOW)
    assert "service 'a'" in str(info.value) and "/loki/api/v1/query_range" in str(info.value)


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ((200, "application/json", json.dumps({"status": "error", "errorType": "bad_data", "error": "x"})), "bad_data"),
        (
            (
                200,
                "application/json",
                json.dumps({"status": "success", "data": {"resultType": "matrix", "result": []}}),
            ),
            "streams",
        ),
        ((200, TEXT, "<html>proxy</html>"), "not JSON"),
        ((401, TEXT, "no org id\n"), "HTTP 401: no org id"),
    ],
    ids=["error-json", "matrix", "not-json", "unauthorised"],
)
def test_bad_answers_raise_source_error(reply: tuple[int, str, str], message: str) -> None:
    with fake_loki() as loki:
        loki.fail_with = reply
        with pytest.raises(SourceError, match=message):
            source(loki, ["a"]).fetch(NOW)


def test_unreachable_loki() -> None:
    with fake_loki() as loki:
        src = source(loki, ["a"], timeout=2)
    with pytest.raises(SourceError, match="ConnectionError: connection failed"):
        src.fetch(NOW)


def test_tenant_and_bearer_headers_and_no_secret_in_target() -> None:
    with fake_loki() as loki:
        src = source(loki, ["a"], auth=HttpAuth(bearer_token="tok3n"), tenant="team-a")
        src.fetch(NOW)
    headers = loki.requests[0].headers
    assert headers["authorization"] == "Bearer tok3n" and headers["x-scope-orgid"] == "team-a"
    assert "tok3n" not in src.target


HOSTILE = ['a"b', "a\\b", "a}b", 'x", service=~".*', "a\nb", "=~.*", 'x"} |= "', "{}"]


@pytest.mark.parametrize("name", HOSTILE, ids=[repr(n) for n in HOSTILE])
def test_hostile_service_name_is_one_literal_value(name: str) -> None:
    matchers, rest = parse_selector(selector(DEFAULT_SELECTOR, name))
    assert matchers == [("service", "=", name)] and rest == ""
    templated = selector('{app=$service, env="prod"}', name)
    assert parse_selector(templated)[0] == [("app", "=", name), ("env", "=", "prod")]


@pytest.mark.parametrize("name", HOSTILE, ids=[repr(n) for n in HOSTILE])
def test_hostile_service_name_only_reads_its_own_stream(name: str) -> None:
    with fake_loki() as loki:
        loki.push({"service": name}, T0, "mine")
        loki.push({"service": "a"}, T0, "someone else's")
        loki.push({"service": "b"}, T0, "someone else's")
        events = source(loki, [name]).fetch(NOW)
    assert [(e.service, e.message) for e in events] == [(name, "mine")]


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ('{service="$service"}', "without quotes"),
        ("{service=`${service}`}", "without quotes"),
        ("{app=$svc}", "only placeholder"),
        ("service=$service", "must start with"),
        ("{app=$service} $", "only placeholder"),
    ],
)
def test_bad_selector_templates(template: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        check_selector_template(template)


def test_one_query_for_all_services_without_placeholder() -> None:
    with fake_loki() as loki:
        loki.push({"job": "shop", "service": "x"}, T0, "hello")
        loki.push({"job": "shop"}, T0 + 1, "no service label")
        events = source(loki, [], selector_template='{job="shop"}').fetch(NOW)
    assert [(e.service, e.message) for e in events] == [("x", "hello"), ("unknown", "no service label")]
    assert len(loki.requests) == 1


def test_parse_streams_accepts_structured_metadata_element() -> None:
    body = {
        "status": "success",
        "data": {"resultType": "streams", "result": [{"stream": {"a": "1"}, "values": [["5", "l", {"trace": "t"}]]}]},
    }
    [entry] = parse_streams(body)
    assert entry.ts_ns == 5 and entry.line == "l"


def test_random_names_always_parse_back_to_one_equality_matcher() -> None:
    for name in random_names(500):
        assert parse_selector(selector(DEFAULT_SELECTOR, name)) == ([("service", "=", name)], "")


def test_services_can_come_from_a_callable_asked_each_poll() -> None:
    known = ["a"]
    with fake_loki() as loki:
        src = source(loki, lambda: list(known))  # type: ignore[arg-type]
        loki.push({"service": "a"}, T0, "from a")
        loki.push({"service": "b"}, T0, "from b")
        assert [e.message for e in src.fetch(NOW)] == ["from a"]
        known.append("b")
        assert [e.message for e in src.fetch(NOW + 1)] == ["from b"]
