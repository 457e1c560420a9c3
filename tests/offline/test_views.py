"""Client-side views: components and metrics that measure calls from the caller's side point at the callee."""

from __future__ import annotations

import pytest

from core.models import Topology
from core.offline.views import callee_of, is_client_component, is_client_metric, with_client_views

SERVICES = ["checkout", "checkout_client", "search-api", "search_client", "db.example.com_remote", "frontend"]


@pytest.mark.parametrize(
    ("name", "client"),
    [
        ("checkout_client", True),
        ("search-client", True),
        ("db.example.com_remote", True),
        ("orders:outbound", True),
        ("client", False),
        ("clientele", False),
        ("checkout", False),
    ],
)
def test_client_components_by_name(name: str, client: bool) -> None:
    assert is_client_component(name) is client


def test_client_metrics_are_latencies_measured_by_the_caller() -> None:
    assert is_client_metric("client_latency") and is_client_metric("outbound_duration_ms")
    assert not is_client_metric("latency") and not is_client_metric("client_requests")


def test_the_callee_is_the_service_named_by_the_stem() -> None:
    assert callee_of("checkout_client", SERVICES) == ["checkout"]
    assert callee_of("search_client", SERVICES) == ["search-api"]
    assert callee_of("db.example.com_remote", SERVICES) == []
    assert callee_of("checkout", SERVICES) == []


def test_client_views_become_external_with_an_edge_to_their_callee() -> None:
    topo, notes = with_client_views(Topology(services=SERVICES, edges=[("frontend", "checkout")]))
    assert set(topo.external) == {"checkout_client", "search_client", "db.example.com_remote"}
    assert ("checkout_client", "checkout") in topo.edges and ("search_client", "search-api") in topo.edges
    assert ("frontend", "checkout") in topo.edges
    assert "3 client-side component(s)" in notes[0] and "checkout_client -> checkout" in notes[0]


def test_no_client_views_leave_the_topology_alone() -> None:
    topo = Topology(services=["a", "b"], edges=[("a", "b")])
    assert with_client_views(topo) == (topo, [])
