"""The Prometheus source: parsing recorded API answers, and its HTTP behaviour against a local server."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from core import models as m
from core.errors import SourceError
from core.sources.http import HttpAuth, redact_url
from core.sources.prometheus import PrometheusMetricsSource, parse_label_values, parse_query_range
from core.sources.promql import QueryConfig
from tests.sources.fake_http import Request, serve

RECORDED = Path(__file__).parent / "recorded"


def recorded(name: str) -> dict:
    return json.loads((RECORDED / name).read_text())


def test_recorded_matrix_gives_latest_point_per_service_stamped_now() -> None:
    points = parse_query_range(recorded("prometheus_error_rate.json"), label="service", metric=m.ERROR_RATE, ts=99.0)
    assert {p.service for p in points} == {"cache", "catalog", "checkout", "frontend", "payments", "postgres"}
    assert all(p.ts == 99.0 and p.metric == m.ERROR_RATE and 0 <= p.value <= 1 for p in points)


def test_recorded_histogram_quantile_only_for_services_with_db_queries() -> None:
    points = parse_query_range(recorded("prometheus_db_p95.json"), label="service", metric=m.DB_QUERY_P95_MS, ts=1.0)
    assert {p.service for p in points} == {"catalog", "checkout"}
    assert all(p.value > 0 for p in points)


def test_recorded_nan_series_are_skipped() -> None:
    assert parse_query_range(recorded("prometheus_nan.json"), label="service", metric=m.ERROR_RATE, ts=1.0) == []


def test_nan_at_the_end_keeps_the_last_finite_sample() -> None:
    body = {
        "status": "success",
        "data": {
            "resultType": "matrix",
            "result": [{"metric": {"service": "a"}, "values": [[1, "0.25"], [2, "NaN"], [3, "+Inf"]]}],
        },
    }
    [point] = parse_query_range(body, label="service", metric=m.ERROR_RATE, ts=5.0)
    assert point.value == 0.25


def test_recorded_empty_result() -> None:
    assert parse_query_range(recorded("prometheus_empty.json"), label="service", metric=m.ERROR_RATE, ts=1.0) == []


def test_recorded_error_names_type_and_message() -> None:
    with pytest.raises(SourceError, match=r"GET x: Prometheus error \(bad_data\): 1:33: parse error: unclosed"):
        parse_query_range(recorded("prometheus_bad_data.json"), label="service", metric="m", ts=1.0, where="GET x")


def test_series_without_the_label_are_skipped() -> None:
    body = {"status": "success", "data": {"resultType": "matrix", "result": [{"metric": {}, "values": [[1, "1"]]}]}}
    assert parse_query_range(body, label="service", metric="m", ts=1.0) == []


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"data": {}},
        {"status": "success", "data": {"resultType": "vector", "result": []}},
        {"status": "success", "data": {"resultType": "matrix", "result": [{"values": []}]}},
        {
            "status": "success",
            "data": {"resultType": "matrix", "result": [{"metric": {"service": "a"}, "values": [[1]]}]},
        },
    ],
    ids=["list", "no-status", "vector", "no-metric", "short-sample"],
)
def test_unexpected_shapes_raise_source_error(body: object) -> None:
    with pytest.raises(SourceError):
        parse_query_range(body, label="service", metric="m", ts=1.0)


def test_recorded_label_values() -> None:
    assert parse_label_values(recorded("prometheus_label_values.json")) == [
        "cache",
        "catalog",
        "checkout",
        "frontend",
        "payments",
        "postgres",
    ]


def _matrix(request: Request) -> tuple[int, str, str]:
    if request.path.startswith("/api/v1/label/"):
        return 200, "application/json", json.dumps({"status": "success", "data": ["checkout", "frontend"]})
    value = "0.5" if "5.." in request.params["query"][0] else "2"
    result = [{"metric": {"service": "checkout"}, "values": [[1.0, "1"], [2.0, value]]}]
    return (
        200,
        "application/json",
        json.dumps({"status": "success", "data": {"resultType": "matrix", "result": result}}),
    )


def test_fetch_sends_query_range_with_window_and_bearer_token() -> None:
    with serve(_matrix) as server:
        source = PrometheusMetricsSource(
            server.url,
            auth=HttpAuth(bearer_token="s3cret"),
            step=5,
            lookback=15,
            config=QueryConfig(edges=[("a", "b")]),
        )
        points = source.fetch(1000.0)
        topology = source.topology()
    values = {p.metric: p.value for p in points}
    assert source.known_services() == ["checkout"]
    assert values[m.ERROR_RATE] == 0.5 and values[m.REQUEST_RATE] == 2
    assert {p.ts for p in points} == {1000.0}
    first = server.requests[0]
    assert first.path == "/api/v1/query_range"
    assert (
        first.params["start"] == ["985.000"] and first.params["end"] == ["1000.000"] and first.params["step"] == ["5"]
    )
    assert first.headers["authorization"] == "Bearer s3cret"
    assert len(server.requests) == len(m.METRICS) + 1
    assert server.requests[-1].params["match[]"] == ['{service!=""}']
    assert topology.services == ["a", "b", "checkout", "frontend"] and topology.edges == [("a", "b")]


def test_basic_auth_and_credentials_never_in_target_or_errors() -> None:
    def fail(request: Request) -> tuple[int, str, str]:
        return 503, "text/plain", "upstream down"

    with serve(fail) as server:
        url = server.url.replace("http://", "http://alice:pa55word@")
        source = PrometheusMetricsSource(url)
        with pytest.raises(SourceError) as info:
            source.fetch(time.time())
    assert server.requests[0].headers["authorization"].startswith("Basic ")
    assert "pa55word" not in str(info.value) and "alice" not in str(info.value)
    assert "pa55word" not in source.target and "alice" not in source.target
    assert "HTTP 503: upstream down" in str(info.value)
    assert "HttpAuth" in repr(HttpAuth(bearer_token="tok")) and "tok" not in repr(HttpAuth(bearer_token="tok"))


def test_json_error_answer_names_error_type() -> None:
    def bad(request: Request) -> tuple[int, str, str]:
        body = {"status": "error", "errorType": "execution", "error": "query timed out"}
        return 422, "application/json", json.dumps(body)

    with serve(bad) as server, pytest.raises(SourceError, match=r"query_range \(request_rate\).*execution.*timed out"):
        PrometheusMetricsSource(server.url).fetch(time.time())


def test_unreachable_prometheus_fails_fast_with_url() -> None:
    with serve(_matrix) as server:
        url = server.url
    source = PrometheusMetricsSource(url, timeout=2)
    started = time.monotonic()
    with pytest.raises(SourceError, match=f"GET {url}/api/v1/query_range: ConnectionError: connection failed"):
        source.fetch(time.time())
    assert time.monotonic() - started < 2


def test_auth_choices_are_checked() -> None:
    with pytest.raises(ValueError, match="not both"):
        HttpAuth(bearer_token="t", username="u")
    with pytest.raises(ValueError, match="needs a username"):
        HttpAuth(password="p")
    with pytest.raises(ValueError, match="lookback"):
        PrometheusMetricsSource("http://x", step=10, lookback=5)
    assert redact_url("https://u:p@h:9090/prom?x=1") == "https://h:9090/prom"
