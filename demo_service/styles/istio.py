"""Istio-style sidecar metrics: ``istio_requests_total`` and ``istio_request_duration_milliseconds``.

The serving sidecar (``reporter="destination"``) counts each service's requests by response code and their
latency; the calling sidecar (``reporter="source"``) counts each caller's calls to each callee, 200 or 503
as the shop's dependency counters say. The shop does not count its served requests per caller, so the
serving side names no source (``unknown``, Istio's word for a peer outside the mesh): the edges come from the
calling side, as they would from a mesh whose sources are known.
"""

from __future__ import annotations

from prometheus_client.utils import floatToGoString

from demo_service.styles.platform import cadvisor
from demo_service.styles.text import Labels, family, sample
from demo_service.telemetry import BUCKETS, Telemetry
from demo_service.topology import SERVICES

REQUESTS = "istio_requests_total"
DURATION = "istio_request_duration_milliseconds"
_LE_MS: tuple[str, ...] = (*(floatToGoString(b * 1000) for b in BUCKETS), "+Inf")


def _serving(service: str) -> Labels:
    return (
        ("destination_service_name", service),
        ("destination_workload", service),
        ("reporter", "destination"),
        ("source_workload", "unknown"),
    )


def _requests(t: Telemetry) -> str:
    samples: list[tuple[Labels, float]] = []
    for service in SERVICES:
        for code in sorted(t.requests[service]):
            samples.append(((*_serving(service), ("response_code", str(code))), float(t.requests[service][code])))
    for (caller, callee), (ok, error) in t.dependency.items():
        calling = (
            ("destination_service_name", callee),
            ("destination_workload", callee),
            ("reporter", "source"),
            ("source_workload", caller),
        )
        samples.append(((*calling, ("response_code", "200")), float(ok)))
        samples.append(((*calling, ("response_code", "503")), float(error)))
    return family(REQUESTS, "Requests seen by the sidecars.", "counter", samples)


def _durations(t: Telemetry) -> str:
    lines = [f"# HELP {DURATION} Request duration seen by the serving sidecar.\n# TYPE {DURATION} histogram\n"]
    for service in SERVICES:
        histogram = t.latency[service]
        running = 0
        for le, count in zip(_LE_MS, histogram.counts, strict=True):
            running += count
            lines.append(sample(f"{DURATION}_bucket", (*_serving(service), ("le", le)), float(running)))
        lines.append(sample(f"{DURATION}_count", _serving(service), float(running)))
        lines.append(sample(f"{DURATION}_sum", _serving(service), histogram.total * 1000))
    return "".join(lines)


def render_istio(t: Telemetry) -> bytes:
    """The exposition of one scrape: sidecar request counts and latency, and cAdvisor's containers."""
    return (_requests(t) + _durations(t) + cadvisor(t)).encode("utf-8")
