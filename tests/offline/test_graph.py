"""Call graphs from CSV: edge lists with or without a header, adjacency matrices, and clear errors."""

from __future__ import annotations

import pytest

from core.offline.graph import parse_graph, topology
from core.offline.loaders import InputError


@pytest.mark.parametrize(
    "content",
    [
        b"caller,callee\nfrontend,checkout\ncheckout,payments\n",
        b"frontend,checkout\ncheckout,payments\n",
        b"source,target\nfrontend,checkout\ncheckout,payments\nfrontend,checkout\n",
        b"\xef\xbb\xbfcaller, callee\r\nfrontend , checkout\r\n\r\ncheckout,payments\r\n",
    ],
    ids=["header", "no-header", "repeated-edge", "bom-crlf-spaces"],
)
def test_an_edge_list(content: bytes) -> None:
    graph = parse_graph(content, "calls.csv")
    assert graph.layout == "edges"
    assert graph.edges == (("frontend", "checkout"), ("checkout", "payments"))


def test_an_adjacency_matrix_row_calls_column() -> None:
    content = b",frontend,checkout,payments::v2\nfrontend,0,1.0,0\ncheckout,0,0,1\npayments::v2,0.0,0,0\n"
    graph = parse_graph(content, "graph.csv")
    assert graph.layout == "matrix"
    assert graph.edges == (("frontend", "checkout"), ("checkout", "payments::v2"))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "graph.csv is empty"),
        (b"frontend\n", "graph.csv: line 1: expected 'caller,callee'"),
        (b"caller,callee\nfrontend,\n", "graph.csv: line 2: expected 'caller,callee'"),
        (b",a,b,c\na,0,1,0\nb,0,0,x\nc,0,0,0\n", "graph.csv: line 3, column 'c': 'x' is not a number"),
    ],
    ids=["empty", "one-column", "empty-callee", "matrix-text-cell"],
)
def test_bad_graphs_name_the_line(content: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        parse_graph(content, "graph.csv")


def test_graph_nodes_without_metrics_are_external_dependencies() -> None:
    graph = parse_graph(b"frontend,checkout\ncheckout,gateway.example.com\n", "g.csv")
    topo, notes = topology(["checkout", "frontend", "batch"], graph)
    assert topo.external == ["gateway.example.com"]
    assert topo.callees("checkout") == ["gateway.example.com"]
    assert any("taken as external" in n for n in notes)
    assert any("not in the graph: batch" in n for n in notes)


def test_a_graph_that_names_no_service_of_the_metrics_is_not_used() -> None:
    topo, notes = topology(["a", "b"], parse_graph(b"x,y\n", "g.csv"))
    assert topo.edges == [] and "the graph is not used" in notes[0]
