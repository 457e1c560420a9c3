"""What the platform around the shop exposes: cAdvisor's per-container CPU and memory, and the service graph
a tracing backend derives from spans (``traces_service_graph_request_total{client, server}``)."""

from __future__ import annotations

from demo_service.styles.text import Labels, family
from demo_service.telemetry import Telemetry
from demo_service.topology import EXTERNAL, SERVICES

NAMESPACE = "shop"


def _container(service: str) -> tuple[tuple[str, str], ...]:
    return (("container", service), ("namespace", NAMESPACE), ("pod", f"{service}-0"))


def cadvisor(t: Telemetry) -> str:
    """``container_cpu_usage_seconds_total`` and ``container_memory_working_set_bytes`` per service."""
    cpu = [(_container(s), round(t.cpu_seconds[s], 6)) for s in SERVICES]
    memory = [(_container(s), float(round(t.memory_bytes[s]))) for s in SERVICES]
    return family(
        "container_cpu_usage_seconds_total", "Cumulative cpu time consumed in seconds.", "counter", cpu
    ) + family("container_memory_working_set_bytes", "Current working set in bytes.", "gauge", memory)


def service_graph(t: Telemetry) -> str:
    """Requests and failed requests per (client, server) pair, from the callers' dependency counts."""
    total: list[tuple[Labels, float]] = []
    failed: list[tuple[Labels, float]] = []
    for (caller, callee), (ok, error) in t.dependency.items():
        labels: Labels = (("client", caller), ("server", callee))
        if callee in EXTERNAL:  # a peer with no spans of its own: a virtual node, as tracing backends mark it
            labels = (*labels, ("connection_type", "virtual_node"))
        total.append((labels, float(ok + error)))
        failed.append((labels, float(error)))
    return family(
        "traces_service_graph_request_total", "Requests between two nodes, from spans.", "counter", total
    ) + family("traces_service_graph_request_failed_total", "Failed requests between two nodes.", "counter", failed)
