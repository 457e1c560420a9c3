"""Every registered signature, by kind, and the (target, kind) candidates an analysis scores."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

from core.catalogue.data_kinds import CACHE_FAILURE, CONNECTION_POOL_EXHAUSTION, DB_SLOW, DISK_FULL
from core.catalogue.detected_kinds import TARGET_DOWN
from core.catalogue.edge_kinds import DEPENDENCY_DOWN, TRAFFIC_SURGE
from core.catalogue.service_kinds import BAD_DEPLOY, CPU_SATURATION, ERROR_RATE_KIND, LATENCY_SPIKE, MEMORY_LEAK
from core.catalogue.signature import CACHE_NAME, DATABASE_NAME, Location, Signature
from core.models import FaultKind, Signal, Topology

# The order is the order of the candidates when no catalogue names them (and of their ties).
_SIGNATURES: tuple[Signature, ...] = (
    LATENCY_SPIKE,
    ERROR_RATE_KIND,
    DB_SLOW,
    MEMORY_LEAK,
    DEPENDENCY_DOWN,
    CPU_SATURATION,
    CONNECTION_POOL_EXHAUSTION,
    BAD_DEPLOY,
    CACHE_FAILURE,
    DISK_FULL,
    TRAFFIC_SURGE,
)
SIGNATURES: Mapping[str, Signature] = MappingProxyType({sig.kind: sig for sig in _SIGNATURES})
#: Kinds only a detection rule names (``detected_kinds``): candidates where their rule fired, never injectable.
DETECTED: Mapping[str, Signature] = MappingProxyType({TARGET_DOWN.kind: TARGET_DOWN})


def signature_for(kind: str) -> Signature | None:
    """The registered signature of ``kind``, or ``None`` for a kind the analysis does not know."""
    return SIGNATURES.get(kind) or DETECTED.get(kind)


def detected_candidates(signals: Sequence[Signal]) -> list[tuple[str, Signature]]:
    """(service, signature) for each detected kind whose rule fired on a service, in signal order."""
    pairs = [(s.service, sig) for s in signals for sig in DETECTED.values() if s.rule in sig.detected_by]
    return list(dict.fromkeys(pairs))


def location_of(service: str, topology: Topology) -> Location:
    """Where ``service`` sits: an external dependency, a database or a cache (by name), or a service."""
    if service in topology.external:
        return "external"
    if DATABASE_NAME.search(service):
        return "database"
    return "cache" if CACHE_NAME.search(service) else "service"


def candidates(
    topology: Topology, catalogue: Sequence[FaultKind], signatures: Mapping[str, Signature] | None = None
) -> list[tuple[str, Signature]]:
    """(target, signature) pairs to score: the catalogue's kinds and targets, or, with an empty catalogue,
    every kind on every service whose location fits it. ``signatures`` replaces the registered kinds."""
    registry = SIGNATURES if signatures is None else signatures
    known = set(topology.services) | set(topology.external)
    pairs: list[tuple[str, Signature]] = []
    if catalogue:
        for fault in catalogue:
            sig = registry.get(fault.type)
            if sig is not None:
                pairs.extend((target, sig) for target in dict.fromkeys(fault.targets) if target in known)
        return pairs
    for sig in _SIGNATURES if signatures is None else signatures.values():
        pairs.extend((svc, sig) for svc in sorted(known) if location_of(svc, topology) in sig.locations)
    return pairs
