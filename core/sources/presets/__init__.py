"""Presets of PromQL templates for the metric conventions teams run, and what a Prometheus has of them.

One module per convention (``shop``, ``otel``, ``istio``, ``linkerd``, ``kubernetes``, ``service_graph``);
``discovery`` finds which of their metrics exist and plans the queries; ``topology`` reads the edges.
"""

from __future__ import annotations

from core.errors import ConfigError
from core.sources.presets.istio import ISTIO
from core.sources.presets.kubernetes import KUBERNETES
from core.sources.presets.linkerd import LINKERD
from core.sources.presets.model import Preset
from core.sources.presets.otel import OTEL
from core.sources.presets.service_graph import SERVICE_GRAPH
from core.sources.presets.shop import SHOP

#: Every preset, in the order ``auto`` prefers them for a signal several provide: a service's own
#: instrumentation first, then the mesh around it, then its container, then the traces' service graph.
PRESETS: tuple[Preset, ...] = (SHOP, OTEL, ISTIO, LINKERD, KUBERNETES, SERVICE_GRAPH)
BY_NAME: dict[str, Preset] = {preset.name: preset for preset in PRESETS}


def parse_presets(value: str) -> tuple[Preset, ...]:
    """The presets ``PROMQL_PRESET`` names: ``auto`` (all, kept where their metrics exist), ``none``, or a
    comma-separated list of names; ``ConfigError`` naming the known ones otherwise."""
    text = value.strip().lower()
    if text == "auto":
        return PRESETS
    if text in ("", "none"):
        return ()
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in BY_NAME]
    if unknown:
        raise ConfigError(f"PROMQL_PRESET: unknown preset(s) {unknown}; known: auto, none, {', '.join(BY_NAME)}")
    return tuple(BY_NAME[name] for name in dict.fromkeys(names))
