"""Presets: every template keeps hostile service names as values; discovery plans per signal; edges merge."""

from __future__ import annotations

import json
import re

import pytest

from core import models as m
from core.errors import ConfigError
from core.sources.presets import PRESETS, parse_presets
from core.sources.presets.discovery import plan_queries
from core.sources.presets.model import Edge, EdgeQuery, Preset, SignalTemplate
from core.sources.presets.topology import build_topology, edge_promql, merge_edges, parse_pairs, to_dot
from core.sources.prometheus import PrometheusMetricsSource
from core.sources.promql import regex_literal, render, service_matchers
from tests.sources.fake_http import Request, serve
from tests.sources.selector_parser import read_string
from tests.sources.test_promql import HOSTILE, selectors

TEMPLATES = [(preset, template) for preset in PRESETS for template in preset.templates]
#: Fixed matchers the conventions themselves write (never user text).
CONVENTION_LABELS = {
    "code", "outcome", "state", "result", "reporter", "response_code", "direction", "classification",
    "container", "http_response_status_code",
}  # fmt: skip


@pytest.mark.parametrize(("preset", "template"), TEMPLATES, ids=[f"{p.name}-{t.signal}" for p, t in TEMPLATES])
@pytest.mark.parametrize("name", HOSTILE, ids=[repr(n) for n in HOSTILE])
def test_every_preset_selector_keeps_the_literal_service_filter(
    preset: Preset, template: SignalTemplate, name: str
) -> None:
    for label in template.labels:
        query = render(template.promql, label=label, matchers=service_matchers(label, [name]), prefix="", window="30s")
        parsed = selectors(query)
        assert parsed, query
        for matchers in parsed:
            assert matchers[:2] == [(label, "!=", ""), (label, "=~", regex_literal(name))]
            assert all(lbl in CONVENTION_LABELS | {label} for lbl, _, _ in matchers[2:]), matchers
            assert re.fullmatch(matchers[1][2], name, re.DOTALL)
        assert all(metric in query for metric in template.requires)
        assert "${" not in query  # every placeholder filled


def test_every_preset_signal_is_a_known_signal_and_names_its_metrics() -> None:
    for preset in PRESETS:
        for template in preset.templates:
            assert template.signal in m.METRICS and template.requires and template.labels
        assert len({t.signal for t in preset.templates}) == len(preset.templates), preset.name


@pytest.mark.parametrize(
    ("value", "names"),
    [
        ("auto", [p.name for p in PRESETS]),
        ("none", []),
        (" Istio, kubernetes ,istio", ["istio", "kubernetes"]),
    ],
)
def test_preset_setting(value: str, names: list[str]) -> None:
    assert [p.name for p in parse_presets(value)] == names


def test_unknown_preset_names_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"unknown preset.*'consul'.*otel"):
        parse_presets("otel,consul")


def _plan(names: set[str], labels: dict[str, set[str]] | None = None, **kwargs: object):  # type: ignore[no-untyped-def]
    return plan_queries(
        PRESETS,
        names,
        lambda metric: (labels or {}).get(metric, set()),
        services=None,
        extra="",
        window="30s",
        **kwargs,  # type: ignore[arg-type]
    )


def test_discovery_combines_presets_signal_by_signal() -> None:
    names = {
        "http_server_request_duration_seconds_count",
        "http_server_request_duration_seconds_bucket",
        "container_cpu_usage_seconds_total",
        "container_memory_working_set_bytes",
        "istio_requests_total",
    }
    labels = {"http_server_request_duration_seconds_count": {"job", "service_name"}}
    plan = _plan(names, labels)
    origins = {(q.signal, q.origin, q.label) for q in plan.queries}
    assert (m.REQUEST_RATE, "otel", "service_name") in origins
    assert (m.REQUEST_RATE, "istio", "destination_workload") in origins  # both kept, otel first
    assert (m.CPU_PERCENT, "kubernetes", "container") in origins
    assert (m.DEPENDENCY_ERROR_RATE, "istio", "source_workload") in origins
    assert [q.origin for q in plan.queries if q.signal == m.REQUEST_RATE] == ["otel", "istio"]
    assert m.DB_POOL_UTILIZATION in plan.unplanned and m.REQUEST_RATE not in plan.unplanned
    assert plan.presets == ("otel", "istio", "kubernetes")


def test_otel_falls_back_to_job_when_service_name_is_not_promoted() -> None:
    plan = _plan(
        {"http_server_request_duration_seconds_count"}, {"http_server_request_duration_seconds_count": {"job"}}
    )
    assert {q.label for q in plan.queries if q.origin == "otel"} == {"job"}
    assert _plan({"http_server_request_duration_seconds_count"}).queries == ()  # neither label: not usable


def test_config_template_overrides_presets_and_empty_switches_off() -> None:
    overrides = {m.REQUEST_RATE: "sum by (${label}) (rate(hits_total{${matchers}}[${window}]))", m.MEMORY_MB: ""}
    plan = _plan(
        {"container_memory_working_set_bytes", "istio_requests_total"}, overrides=overrides, config_label="app"
    )
    (request_rate,) = [q for q in plan.queries if q.signal == m.REQUEST_RATE]
    assert request_rate.origin == "config" and request_rate.label == "app"
    assert request_rate.promql == 'sum by (app) (rate(hits_total{app!=""}[30s]))'
    assert m.MEMORY_MB in plan.unplanned


def test_unknown_names_keep_every_template() -> None:
    plan = plan_queries(PRESETS, None, lambda metric: set(), services=None, extra="", window="1m")
    assert {q.origin for q in plan.queries} == {p.name for p in PRESETS}


def test_edge_query_and_pairs() -> None:
    query = EdgeQuery("istio_requests_total", "source_workload", "destination_workload", ignore=("unknown",))
    promql = edge_promql(query, 'cluster="eu"')
    assert promql == (
        "group by (source_workload, destination_workload) "
        '(istio_requests_total{source_workload!="", destination_workload!="", cluster="eu"})'
    )
    result = [
        {"metric": {"source_workload": "a", "destination_workload": "b"}},
        {"metric": {"source_workload": "unknown", "destination_workload": "b"}},
        {"metric": {"source_workload": "b", "destination_workload": "b"}},
        {"metric": {"source_workload": "c"}},
    ]
    assert parse_pairs(result, query) == {("a", "b")}


def test_merged_edges_keep_their_origins_and_unseen_callees_are_external() -> None:
    edges = merge_edges({("a", "b"): {"istio", "service_graph"}, ("b", "api"): {"istio"}}, [("a", "b"), ("x", "a")])
    assert edges == [
        Edge("a", "b", ("istio", "service_graph", "config")),
        Edge("b", "api", ("istio",)),
        Edge("x", "a", ("config",)),
    ]
    topology = build_topology(edges, with_signals={"a", "b", "x"}, external=["stripe"])
    assert topology.services == ["a", "b", "x"] and topology.external == ["api", "stripe"]


@pytest.mark.parametrize("name", HOSTILE, ids=[repr(n) for n in HOSTILE])
def test_dot_keeps_hostile_names_inside_quoted_strings(name: str) -> None:
    dot = to_dot([Edge(name, "b", ("istio",))], external=[name])
    body = dot.split("\n")[3:-1]
    assert len(body) == 2  # no name broke a line
    for line in body:
        value, _ = read_string(line.strip(), 0)
        expected = "".join(" " if ord(c) < 0x20 or ord(c) == 0x7F else c for c in name)
        assert value == expected


def _prometheus(request: Request) -> tuple[int, str, str]:
    """Two conventions for the same services: otel for a and b, istio for b and c."""
    if request.path == "/api/v1/label/__name__/values":
        names = ["http_server_request_duration_seconds_count", "istio_requests_total"]
        return 200, "application/json", json.dumps({"status": "success", "data": names})
    if request.path == "/api/v1/labels":
        return 200, "application/json", json.dumps({"status": "success", "data": ["__name__", "service_name"]})
    query = request.params["query"][0]
    if request.path == "/api/v1/query":
        series = [{"metric": {"source_workload": "b", "destination_workload": "c"}, "value": [1, "1"]}]
        return (
            200,
            "application/json",
            json.dumps({"status": "success", "data": {"resultType": "vector", "result": series}}),
        )
    label, values = (
        ("service_name", {"a": 1, "b": 2}) if "http_server" in query else ("destination_workload", {"b": 9, "c": 3})
    )
    result = [{"metric": {label: s}, "values": [[1, str(v)]]} for s, v in values.items()]
    data = {"resultType": "matrix", "result": result}
    return 200, "application/json", json.dumps({"status": "success", "data": data})


def test_source_keeps_the_first_preset_per_service_and_reports_coverage() -> None:
    with serve(_prometheus) as server:
        source = PrometheusMetricsSource(server.url, presets=PRESETS, preset_mode="auto", step=1.0, lookback=5.0)
        points = source.fetch(100.0)
        rates = {p.service: p.value for p in points if p.metric == m.REQUEST_RATE}
        assert rates == {"a": 1.0, "b": 2.0, "c": 3.0}  # b from otel, the first preset that has it
        topology = source.topology()
    status = source.discovery()
    assert topology.edges == [("b", "c")] and status.edges == (Edge("b", "c", ("istio",)),)
    assert (
        status.coverage.found["b"][m.REQUEST_RATE] == "otel" and status.coverage.found["c"][m.REQUEST_RATE] == "istio"
    )
    assert m.CPU_PERCENT in status.coverage.missing("a") and m.CPU_PERCENT in status.coverage.unplanned
    assert status.presets == ("otel", "istio")
