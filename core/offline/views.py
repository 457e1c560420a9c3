"""Client-side views: series that measure calls to a service from the caller's side (pure).

Tracing and metrics agents record a call twice: the server records what it did, the client what it waited
for. A client-side series (a component named ``<callee>_client`` or ``<host>_remote``, a metric named
``client_latency`` or ``outbound_duration``) describes the callee, not the caller: when only the client
side degrades, the fault lies with whoever is called. So a client-side component is never a root cause
itself: it is listed as an external dependency of the analysis, with an edge to the service whose name it
carries when the metrics have one (``checkout_client`` -> ``checkout`` or ``checkout-api``); a client-side
metric on a service points at that service's callees.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from core.models import Topology
from core.semantics import semantics_of, tokens

CLIENT_WORDS = frozenset({"client", "remote", "outbound", "egress", "downstream"})
_MARKER = re.compile(r"^(?P<stem>.+?)[\s_.:/-]+(?:client|remote|outbound|egress)$", re.IGNORECASE)
_SEPARATORS = "_-.:/ "


def is_client_component(name: str) -> bool:
    """True for a component named as the client side of calls (``payments_client``, ``db.example.com_remote``)."""
    return _MARKER.match(name.strip()) is not None


def is_client_metric(metric: str) -> bool:
    """True for a latency metric measured on the caller's side (``client_latency``, ``outbound_duration_ms``)."""
    return semantics_of(metric).kind == "latency" and bool(CLIENT_WORDS & set(tokens(metric)))


def callee_of(name: str, services: Iterable[str]) -> list[str]:
    """The services a client-side component measures: the one named by its stem, else those whose name
    starts with the stem and a separator; empty when the metrics have none (the callee is outside them)."""
    match = _MARKER.match(name.strip())
    if match is None:
        return []
    stem = match.group("stem").lower()
    candidates = [s for s in services if s != name and not is_client_component(s)]
    exact = [s for s in candidates if s.lower() == stem]
    if exact:
        return exact
    return sorted(s for s in candidates if s.lower().startswith(stem) and s[len(stem)] in _SEPARATORS)


def with_client_views(topology: Topology) -> tuple[Topology, list[str]]:
    """``topology`` with client-side components as external dependencies, each with an edge to the service
    it measures when known; notes name them."""
    views = [s for s in topology.services if is_client_component(s)]
    if not views:
        return topology, []
    edges = list(topology.edges)
    named = []
    for view in views:
        for callee in callee_of(view, topology.services):
            if (view, callee) not in edges:
                edges.append((view, callee))
            named.append(f"{view} -> {callee}")
    external = sorted(set(topology.external) | set(views))
    note = f"{len(views)} client-side component(s) measure calls, not services, and are not named as causes" + (
        f"; they point at {', '.join(named[:3])}{' ...' if len(named) > 3 else ''}" if named else ""
    )
    return topology.model_copy(update={"edges": edges, "external": external}), [note]
