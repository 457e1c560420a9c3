"""--metrics-style: the same traffic under OpenTelemetry (written by the SDK) and Istio names, with cAdvisor
containers and the service graph; counts agree with the shop's own exposition of the same simulation."""

from __future__ import annotations

from collections import defaultdict

import pytest
from prometheus_client.parser import text_string_to_metric_families

from demo_service import DemoService
from demo_service.styles import STYLES, renderer
from demo_service.topology import EDGES, SERVICES


class StepClock:
    def __init__(self) -> None:
        self.t = 1_700_000_000.0

    def now(self) -> float:
        return self.t


def samples(text: str) -> list[tuple[str, dict[str, str], float]]:
    return [(s.name, s.labels, s.value) for f in text_string_to_metric_families(text) for s in f.samples]


def run(style: str, seconds: list[int], fault: bool = True) -> tuple[str, str]:
    """(style exposition, shop exposition) of two same-seed shops after the same clock readings."""
    clocks = StepClock(), StepClock()
    styled, shop = DemoService(clocks[0], metrics_style=style), DemoService(clocks[1])
    text = ""
    for step in seconds:
        for clock in clocks:
            clock.t += step
        if fault and step == seconds[0]:
            for service in (styled, shop):
                service.inject("error_rate", "payments", intensity=1.0, duration_seconds=600)
        text = styled.metrics_text()  # every scrape in between feeds the SDK's cumulative histograms
        shop_text = shop.metrics_text()
    return text, shop_text


def per_service(rows: list[tuple[str, dict[str, str], float]], name: str, label: str, **match: str) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for metric, labels, value in rows:
        if metric == name and all(labels.get(k) == v for k, v in match.items()):
            out[labels[label]] += value
    return dict(out)


def test_otel_counts_match_the_shop_per_service_and_status_code() -> None:
    text, shop_text = run("otel", [5, 7, 11])
    rows, shop = samples(text), samples(shop_text)
    totals = per_service(rows, "http_server_request_duration_seconds_count", "service_name")
    assert totals == per_service(shop, "shop_requests_total", "service")
    assert set(totals) == set(SERVICES)
    errors_otel = sum(
        v for n, labels, v in rows
        if n == "http_server_request_duration_seconds_count" and labels["service_name"] == "payments"
        and labels["http_response_status_code"].startswith("5")
    )  # fmt: skip
    errors_shop = sum(
        v for n, labels, v in shop if n == "shop_requests_total" and labels["service"] == "payments"
        and labels["code"].startswith("5")
    )  # fmt: skip
    assert errors_otel == errors_shop > 0
    buckets = per_service(rows, "http_server_request_duration_seconds_bucket", "service_name", le="0.1")
    assert buckets == per_service(shop, "shop_request_duration_seconds_bucket", "service", le="0.1")


def test_otel_adds_cadvisor_and_the_service_graph() -> None:
    text, shop_text = run("otel", [5, 5])
    rows, shop = samples(text), samples(shop_text)
    pairs = {(labels["client"], labels["server"]) for n, labels, _ in rows if n == "traces_service_graph_request_total"}
    assert pairs == set(EDGES)
    memory = per_service(rows, "container_memory_working_set_bytes", "container")
    assert memory == per_service(shop, "shop_process_resident_memory_bytes", "service")
    assert per_service(rows, "db_client_operation_duration_seconds_count", "service_name").keys() == {
        "catalog",
        "checkout",
    }


def test_istio_counts_and_edges() -> None:
    text, shop_text = run("istio", [5, 9])
    rows, shop = samples(text), samples(shop_text)
    served = per_service(rows, "istio_requests_total", "destination_workload", reporter="destination")
    assert served == per_service(shop, "shop_requests_total", "service")
    pairs = {
        (labels["source_workload"], labels["destination_workload"])
        for n, labels, _ in rows
        if n == "istio_requests_total" and labels["reporter"] == "source"
    }
    assert pairs == set(EDGES)
    failed_calls = per_service(rows, "istio_requests_total", "source_workload", reporter="source", response_code="503")
    assert failed_calls["checkout"] > 0  # checkout's calls to the failing payments
    ms = per_service(rows, "istio_request_duration_milliseconds_bucket", "destination_workload", le="100.0")
    assert ms == per_service(shop, "shop_request_duration_seconds_bucket", "service", le="0.1")


def test_shop_style_is_the_shops_exposition_and_unknown_styles_are_refused() -> None:
    assert STYLES == ("shop", "otel", "istio")
    text, shop_text = run("shop", [3, 4])
    assert text == shop_text
    with pytest.raises(ValueError, match="unknown metrics style 'prom'; known: shop, otel, istio"):
        renderer("prom")
