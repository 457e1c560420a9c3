"""Typed pieces of a preset: a PromQL template per signal, an edge query, and the preset that bundles them.

Templates use the placeholders of ``core.sources.promql`` (``${label}``, ``${matchers}``, ``${window}``;
``${prefix}`` is empty for presets, whose metric names are fixed by their convention). Service names only
ever reach a query inside ``${matchers}``, escaped there.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class SignalTemplate:
    """How one convention computes one signal: PromQL, the metric names it needs, its service labels.

    ``labels`` are candidate service labels in order of preference; discovery keeps the first one that the
    first required metric carries (OpenTelemetry: ``service_name`` when promoted, else ``job``).
    """

    signal: str
    promql: str
    requires: tuple[str, ...]
    labels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EdgeQuery:
    """Caller -> callee pairs of a convention: every series of ``metric`` (with the fixed ``filter`` matchers)
    names a caller in label ``caller`` and a callee in label ``callee``.

    ``ignore`` lists placeholder values the convention writes when a side is unknown (never an edge end).
    """

    metric: str
    caller: str
    callee: str
    filter: str = ""  # fixed matchers of the convention, e.g. 'direction="outbound"'
    ignore: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Preset:
    """A metric convention: its templates per signal and, for meshes and service graphs, its edges."""

    name: str
    title: str
    templates: tuple[SignalTemplate, ...]
    edges: EdgeQuery | None = None

    def template(self, signal: str) -> SignalTemplate | None:
        """This preset's template for ``signal``; None when the convention has no such signal."""
        return next((t for t in self.templates if t.signal == signal), None)


@dataclass(frozen=True, slots=True)
class PlannedQuery:
    """One query the source runs each poll: a signal from one preset, with its service label and PromQL."""

    signal: str
    origin: str  # preset name, or "config" for a template from PROMQL_CONFIG_FILE
    label: str
    promql: str


@dataclass(frozen=True, slots=True)
class Edge:
    """A discovered or configured dependency and where it came from (preset name or ``config``)."""

    caller: str
    callee: str
    origins: tuple[str, ...]


@dataclass(frozen=True)
class Coverage:
    """Which signals each service has, as the last poll returned them, and which no preset provides at all.

    ``found[service]`` maps a signal to the preset it came from. A signal absent for a service is a gap, shown
    as missing: detection never reads it as zero.
    """

    found: dict[str, dict[str, str]] = field(default_factory=dict)
    unplanned: tuple[str, ...] = ()  # signals no preset's metrics exist for (nor a config template)
    signals: tuple[str, ...] = ()  # every signal the tool knows, in display order

    def missing(self, service: str) -> list[str]:
        """Signals without a value for ``service`` in the last poll, in display order."""
        have = self.found.get(service, {})
        return [signal for signal in self.signals if signal not in have]


@dataclass(frozen=True)
class DiscoveryStatus:
    """What the Prometheus source knows of its Prometheus, for the Status page and reports (no HTTP)."""

    mode: str  # e.g. "auto", "otel,kubernetes", "config file only"
    presets: tuple[str, ...] = ()  # presets with at least one usable template
    metric_count: int = 0
    queries: tuple[PlannedQuery, ...] = ()
    edges: tuple[Edge, ...] = ()
    external: tuple[str, ...] = ()
    coverage: Coverage = field(default_factory=Coverage)
    discovered_at: float | None = None  # Unix seconds of the last discovery
    error: str | None = None  # the last discovery's failure, when the previous plan is still used
