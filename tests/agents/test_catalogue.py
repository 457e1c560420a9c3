"""The fault-kind registry: the contract with the demo service's catalogue, candidates from the catalogue,
locations, log cues, playbooks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core import catalogue
from core.clock import VirtualClock
from core.models import FaultKind, FaultListing, Topology
from core.sources.demo import DemoServiceClient
from demo_service import DemoService
from tests.factories import CATALOGUE, TOPOLOGY


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[FaultListing, Topology]]:
    """The demo service's catalogue and topology, read over HTTP as the runtime reads them."""
    service = DemoService(clock=VirtualClock(), seed=1)
    client = DemoServiceClient(service.start(host="127.0.0.1", port=0))
    try:
        yield client.faults(), client.topology()
    finally:
        client.close()
        service.stop()


def test_the_demo_catalogue_and_the_analyzer_signatures_name_the_same_kinds(
    demo: tuple[FaultListing, Topology],
) -> None:
    """A kind the demo service can inject without a signature would never be named as a root cause."""
    listing, _ = demo
    injectable = {kind.type for kind in listing.catalogue}
    assert injectable - set(catalogue.SIGNATURES) == set(), "demo kinds without a signature in core/catalogue"
    assert set(catalogue.SIGNATURES) - injectable == set(), "signatures of kinds the demo service cannot inject"


def test_every_demo_target_is_a_candidate_where_its_signature_allows_it(demo: tuple[FaultListing, Topology]) -> None:
    listing, topology = demo
    pairs = {(target, sig.kind) for target, sig in catalogue.candidates(topology, listing.catalogue)}
    assert pairs == {(target, kind.type) for kind in listing.catalogue for target in kind.targets}
    misplaced = [
        (kind.type, target, catalogue.location_of(target, topology))
        for kind in listing.catalogue
        for target in kind.targets
        if catalogue.location_of(target, topology) not in catalogue.SIGNATURES[kind.type].locations
    ]
    assert misplaced == [], "targets whose location the kind's signature does not allow"


def test_every_demo_kind_is_registered_with_cues_and_a_playbook(demo: tuple[FaultListing, Topology]) -> None:
    listing, _ = demo
    for fault in listing.catalogue:
        sig = catalogue.signature_for(fault.type)
        assert sig is not None, fault.type
        assert sig.metric_cues and sig.log_cues and sig.immediate and sig.prevention
        assert any(cue.primary for cue in sig.metric_cues)


def test_candidates_follow_the_catalogue_targets() -> None:
    pairs = {(target, sig.kind) for target, sig in catalogue.candidates(TOPOLOGY, CATALOGUE)}
    assert pairs == {(t, f.type) for f in CATALOGUE for t in f.targets}


def test_candidates_skip_unknown_kinds_and_unknown_targets() -> None:
    faults = [
        FaultKind(type="cosmic_ray", description="", targets=["catalog"], default_target="catalog"),
        FaultKind(type="latency_spike", description="", targets=["catalog", "nowhere"], default_target="catalog"),
    ]
    assert [(t, s.kind) for t, s in catalogue.candidates(TOPOLOGY, faults)] == [("catalog", "latency_spike")]


@pytest.mark.parametrize(
    ("service", "location"),
    [("payment-gateway", "external"), ("postgres", "database"), ("orders-db", "database"), ("catalog", "service")],
)
def test_location_of(service: str, location: str) -> None:
    assert catalogue.location_of(service, TOPOLOGY) == location


@pytest.mark.parametrize(
    ("kind", "line", "level", "target", "matches"),
    [
        ("error_rate", "Unhandled exception in POST /x: RuntimeError", "ERROR", "checkout", True),
        ("error_rate", "Connection error calling payment-gateway: refused", "ERROR", "payments", False),
        ("dependency_down", "Connection error calling payment-gateway (<*>)", "ERROR", "payment-gateway", True),
        ("dependency_down", "Connection error calling other-api (<*>)", "ERROR", "payment-gateway", False),
        ("db_slow", "duration: <*> statement: SELECT 1 (slow query)", "INFO", "postgres", True),
        ("latency_spike", "duration: <*> statement: SELECT 1 (slow query)", "WARN", "postgres", False),
        ("memory_leak", "GC pause <*>, heap <*>", "WARN", "catalog", True),
        ("memory_leak", "GC pause <*>, heap <*>", "INFO", "catalog", False),
    ],
    ids=[
        "exception",
        "connection-error-is-not-an-exception",
        "names-the-dependency",
        "other-dependency",
        "slow-query-any-level",
        "slow-query-is-not-slow-request",
        "gc-pressure",
        "gc-at-info",
    ],
)
def test_log_cues(kind: str, line: str, level: str, target: str, matches: bool) -> None:
    sig = catalogue.signature_for(kind)
    assert sig is not None
    assert any(cue.matches(line, level, target) for cue in sig.log_cues) is matches


def test_entry_point_playbook_drops_steps_about_callers() -> None:
    immediate, _ = catalogue.playbook("latency_spike", "frontend", TOPOLOGY)
    assert immediate and all("callers" not in a.title.lower() for a in immediate)
