"""The shop's metrics under the naming convention of ``--metrics-style``: the same simulated traffic, read
from the same counters, written as the shop's own ``shop_*`` names, as OpenTelemetry's HTTP semantic
conventions (through the OpenTelemetry SDK and its Prometheus exporter) or as Istio's sidecar metrics.
The two foreign styles add what a cluster around them would expose: cAdvisor container CPU and memory, and
the service graph a tracing backend derives from spans (``otel``) or the mesh's own pairs (``istio``)."""

from __future__ import annotations

from collections.abc import Callable

from demo_service.telemetry import Telemetry

STYLES: tuple[str, ...] = ("shop", "otel", "istio")

#: Writes the exposition of one scrape from the shop's counters.
Renderer = Callable[[Telemetry], bytes]


def renderer(style: str) -> Renderer:
    """The exposition writer of ``style``; ``ValueError`` naming the styles for an unknown one."""
    if style == "shop":
        return Telemetry.render
    if style == "otel":
        from demo_service.styles.otel import OtelExposition  # the SDK is imported only when asked for

        return OtelExposition().render
    if style == "istio":
        from demo_service.styles.istio import render_istio

        return render_istio
    raise ValueError(f"unknown metrics style {style!r}; known: {', '.join(STYLES)}")
