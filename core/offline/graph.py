"""A call graph from a CSV file, and the topology an offline analysis gives the agents (pure parsing).

Two layouts are read:

- an edge list, one ``caller,callee`` pair per line, with or without a header line naming the two columns
  (``caller,callee``, ``source,target``, ``from,to``, ``parent,child``);
- an adjacency matrix, as exported by pandas or networkx (``to_pandas_adjacency``): component names as the
  header row and as the first column, a non-zero cell in row A, column B meaning that A calls B.

A graph node without metrics is an external dependency (the live analysis treats dependencies it cannot
see the same way); a service with metrics that the graph does not name has no known callers or callees.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from core.models import Topology
from core.offline.loaders import InputError, read_bytes

EDGE_HEADERS = frozenset({("caller", "callee"), ("source", "target"), ("from", "to"), ("parent", "child"),
                          ("src", "dst"), ("client", "server")})  # fmt: skip
MAX_GRAPH_BYTES = 8_000_000


@dataclass(frozen=True)
class CallGraph:
    """Who calls whom, as read from a file; ``layout`` is "edges" or "matrix"."""

    name: str
    layout: str
    edges: tuple[tuple[str, str], ...]

    @property
    def nodes(self) -> set[str]:
        return {node for edge in self.edges for node in edge}


def load_graph(path: str | Path) -> CallGraph:
    """The call graph of a CSV file on disk (see ``parse_graph``)."""
    return parse_graph(read_bytes(path, limit=MAX_GRAPH_BYTES), Path(path).name)


def parse_graph(content: bytes, name: str) -> CallGraph:
    """Edges of an edge-list or adjacency-matrix CSV; ``InputError`` naming the line for a file that is neither."""
    text = content.decode("utf-8-sig", errors="replace")
    rows = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]
    rows = [row for row in rows if any(row)]
    if not rows:
        raise InputError(f"{name} is empty: expected caller,callee lines or an adjacency matrix")
    if _is_matrix(rows):
        return CallGraph(name, "matrix", _matrix_edges(rows, name))
    return CallGraph(name, "edges", _list_edges(rows, name))


def _is_matrix(rows: list[list[str]]) -> bool:
    """A square table whose first column repeats the header's names (first header cell empty or a label)."""
    header = rows[0][1:]
    return len(header) > 2 and len(rows) - 1 == len(header) and sorted(r[0] for r in rows[1:]) == sorted(header)


def _matrix_edges(rows: list[list[str]], name: str) -> tuple[tuple[str, str], ...]:
    header = rows[0][1:]
    edges = []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header) + 1:
            raise InputError(f"{name}: line {number} has {len(row)} cells, the header {len(header) + 1}")
        for callee, cell in zip(header, row[1:], strict=True):
            try:
                weight = float(cell or 0)
            except ValueError as exc:
                raise InputError(f"{name}: line {number}, column '{callee}': {cell!r} is not a number") from exc
            if weight != 0 and row[0] != callee:
                edges.append((row[0], callee))
    return tuple(edges)


def _list_edges(rows: list[list[str]], name: str) -> tuple[tuple[str, str], ...]:
    start = 1 if tuple(cell.lower() for cell in rows[0][:2]) in EDGE_HEADERS else 0
    edges = []
    for number, row in enumerate(rows[start:], start=start + 1):
        if len(row) < 2 or not row[0] or not row[1]:
            raise InputError(
                f"{name}: line {number}: expected 'caller,callee' (or an adjacency matrix), got {','.join(row)!r}"
            )
        if row[0] != row[1]:
            edges.append((row[0], row[1]))
    return tuple(dict.fromkeys(edges))


def topology(services: Sequence[str], graph: CallGraph | None) -> tuple[Topology, list[str]]:
    """The topology of an analysis (every service with metrics; graph nodes without metrics as external
    dependencies) and notes on what the graph and the metrics do not share."""
    if graph is None:
        return Topology(services=sorted(services)), []
    known = set(services)
    external = sorted(graph.nodes - known)
    notes = []
    if not graph.nodes & known:
        notes.append(f"{graph.name}: no node of the graph has metrics; the graph is not used")
        return Topology(services=sorted(services)), notes
    if external:
        notes.append(f"{graph.name}: {len(external)} node(s) without metrics, taken as external dependencies: "
                     f"{', '.join(external[:3])}{' ...' if len(external) > 3 else ''}")  # fmt: skip
    unplaced = sorted(known - graph.nodes)
    if unplaced:
        notes.append(f"{graph.name}: {len(unplaced)} service(s) with metrics are not in the graph: "
                     f"{', '.join(unplaced[:3])}{' ...' if len(unplaced) > 3 else ''}")  # fmt: skip
    return Topology(services=sorted(services), edges=list(graph.edges), external=external), notes
