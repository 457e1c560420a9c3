"""Resource kinds reach the root-cause agent through AnalysisContext.signatures and catalogue.candidates."""

from __future__ import annotations

from core import catalogue
from core.models import Topology
from core.offline.kinds import RESOURCE_KINDS, signatures_for

TOPOLOGY = Topology(services=["carts", "carts-db", "front-end"])


def test_resource_kinds_and_one_generic_kind_per_unknown_metric() -> None:
    kinds = signatures_for(["cpu", "memory", "latency_p90", "requests", "disk_io", "net_rx", "disk_io"])
    assert list(kinds) == ["cpu", "memory", "latency", "errors", "traffic", "disk_io", "net_rx"]
    assert [cue.metric for cue in kinds["disk_io"].metric_cues] == ["disk_io"]
    assert all(any(cue.primary for cue in sig.metric_cues) for sig in kinds.values())


def test_candidates_use_the_given_signatures_on_every_service_and_database() -> None:
    kinds = signatures_for(["cpu"])
    pairs = {(target, sig.kind) for target, sig in catalogue.candidates(TOPOLOGY, [], kinds)}
    assert pairs == {(svc, sig.kind) for svc in TOPOLOGY.services for sig in RESOURCE_KINDS}


def test_without_signatures_candidates_are_the_registered_kinds() -> None:
    kinds = {sig.kind for _, sig in catalogue.candidates(TOPOLOGY, [])}
    assert kinds == {sig.kind for sig in catalogue.SIGNATURES.values() if sig.locations & {"service", "database"}}
