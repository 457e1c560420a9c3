"""Caller -> callee edges read from mesh and service-graph metrics, merged with the configured ones.

Each preset with an ``EdgeQuery`` whose metric exists is asked once per refresh with an instant
``group by (caller, callee)`` query: every series that Prometheus still holds (five minutes of staleness)
is an edge. An edge keeps every origin that names it (``istio``, ``service_graph``, ``config``, ...).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from core.errors import SourceError
from core.models import Topology
from core.sources.presets.model import Edge, EdgeQuery, Preset

#: ``(query, what) -> instant-query vector result``: the source's GET of ``/api/v1/query``.
InstantQuery = Callable[[str, str], list[dict[str, Any]]]


def edge_promql(query: EdgeQuery, extra: str = "") -> str:
    """The instant PromQL listing the pairs of ``query`` (label names are the preset's, never user text)."""
    parts = [f'{query.caller}!=""', f'{query.callee}!=""']
    parts += [part.strip().strip(",") for part in (query.filter, extra) if part.strip()]
    return f"group by ({query.caller}, {query.callee}) ({query.metric}{{{', '.join(parts)}}})"


def parse_pairs(result: list[dict[str, Any]], query: EdgeQuery) -> set[tuple[str, str]]:
    """The (caller, callee) pairs of an instant-query vector; placeholders and self-calls dropped."""
    pairs: set[tuple[str, str]] = set()
    for series in result:
        labels = series.get("metric") if isinstance(series, dict) else None
        if not isinstance(labels, dict):
            raise SourceError(f"edges from {query.metric}: malformed series {str(series)[:200]}")
        caller, callee = labels.get(query.caller), labels.get(query.callee)
        if not isinstance(caller, str) or not isinstance(callee, str) or not caller or not callee:
            continue
        if caller in query.ignore or callee in query.ignore or caller == callee:
            continue
        pairs.add((caller, callee))
    return pairs


def discover_edges(
    presets: Iterable[Preset], names: set[str] | None, ask: InstantQuery, extra: str = ""
) -> dict[tuple[str, str], set[str]]:
    """Every edge the presets' metrics name, with the presets that name it."""
    found: dict[tuple[str, str], set[str]] = {}
    for preset in presets:
        query = preset.edges
        if query is None or (names is not None and query.metric not in names):
            continue
        for pair in parse_pairs(ask(edge_promql(query, extra), f"edges ({preset.name})"), query):
            found.setdefault(pair, set()).add(preset.name)
    return found


def merge_edges(discovered: dict[tuple[str, str], set[str]], configured: Iterable[tuple[str, str]]) -> list[Edge]:
    """Discovered and configured edges as one sorted list, each with its origins (``config`` last)."""
    merged = {pair: set(origins) for pair, origins in discovered.items()}
    for pair in configured:
        merged.setdefault(pair, set()).add("config")
    return [
        Edge(caller, callee, tuple(sorted(origins, key=lambda o: (o == "config", o))))
        for (caller, callee), origins in sorted(merged.items())
    ]


def build_topology(edges: list[Edge], with_signals: Iterable[str], external: Iterable[str] = ()) -> Topology:
    """Services are those with signals of their own and every edge end; an edge end that has no signal of
    its own (an external API seen only through its callers) is external, as are the configured ones."""
    own = set(with_signals)
    ends = {name for edge in edges for name in (edge.caller, edge.callee)}
    outside = set(external) | (ends - own)
    return Topology(
        services=sorted((own | ends) - outside),
        edges=[(edge.caller, edge.callee) for edge in edges],
        external=sorted(outside),
    )


def to_dot(edges: list[Edge], external: Iterable[str] = ()) -> str:
    """The graph in Graphviz DOT: names as quoted, escaped strings; external services dashed."""
    lines = ["digraph services {", "  rankdir=LR;", "  node [shape=box];"]
    lines += [f"  {_dot_id(name)} [style=dashed];" for name in sorted(set(external))]
    lines += [
        f"  {_dot_id(edge.caller)} -> {_dot_id(edge.callee)} [tooltip={_dot_id(', '.join(edge.origins))}];"
        for edge in edges
    ]
    lines.append("}")
    return "\n".join(lines)


def _dot_id(text: str) -> str:
    """``text`` as a DOT double-quoted string: backslash and quote escaped, line breaks and controls as spaces."""
    clean = "".join(" " if ord(char) < 0x20 or ord(char) == 0x7F else char for char in text)
    return '"' + clean.replace("\\", "\\\\").replace('"', '\\"') + '"'
