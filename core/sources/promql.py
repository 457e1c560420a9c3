"""PromQL for the Prometheus source (pure): label-value escaping and one query template per signal.

Each template aggregates in PromQL and returns one series per service, grouped by the service label.
Templates are ``string.Template`` text with these placeholders (PromQL itself never uses ``$``):

- ``${label}``: the service label name (validated as a Prometheus label name);
- ``${matchers}``: the label matchers every selector must carry, built here from escaped values;
- ``${prefix}``: the metric name prefix (``shop_`` for the demo service);
- ``${window}``: the range of ``rate()``, a PromQL duration such as ``30s``.

Service names never enter a template as text: they only appear inside ``${matchers}``, as escaped
string literals, so a name with ``"``, ``\\`` or ``}`` stays a value.
"""

from __future__ import annotations

import json
import re
import string
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from core import models as m
from core.errors import ConfigError

_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")
_METRIC_PREFIX = re.compile(r"[a-zA-Z_:]?[a-zA-Z0-9_:]*\Z")
_DURATION = re.compile(r"(?:\d+(?:ms|[smhdwy]))+\Z")
_RE2_SPECIAL = frozenset("\\.+*?()|[]{}^$")
PLACEHOLDERS = frozenset({"label", "matchers", "prefix", "window"})


def check_label_name(name: str) -> str:
    """``name`` if it is a valid Prometheus label name, else ``ValueError`` naming the rule."""
    if not _LABEL_NAME.match(name) or name.startswith("__"):
        raise ValueError(f"Service label must match [a-zA-Z_][a-zA-Z0-9_]* and not start with '__', got {name!r}")
    return name


def quote(value: str) -> str:
    """``value`` as a double-quoted PromQL/LogQL string literal (Go escapes), safe to splice anywhere."""
    out = ['"']
    for char in value:
        if char == "\\":
            out.append("\\\\")
        elif char == '"':
            out.append('\\"')
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\t":
            out.append("\\t")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def regex_literal(value: str) -> str:
    """``value`` with RE2 metacharacters backslash-escaped, so ``=~`` matches exactly this text."""
    return "".join(f"\\{char}" if char in _RE2_SPECIAL else char for char in value)


def service_matchers(label: str, services: list[str] | None = None, extra: str = "") -> str:
    """The matchers every selector carries: the label must be set, optionally one of ``services``.

    ``extra`` is trusted operator configuration (e.g. ``job="shop"``), appended as written.
    """
    check_label_name(label)
    parts = [f'{label}!=""']
    if services:
        alternation = "|".join(regex_literal(service) for service in sorted(set(services)))
        parts.append(f"{label}=~{quote(alternation)}")
    if extra.strip():
        parts.append(extra.strip().strip(","))
    return ", ".join(parts)


def _rate(metric: str, extra: str = "") -> str:
    return f"sum by (${{label}}) (rate(${{prefix}}{metric}{{${{matchers}}{extra}}}[${{window}}]))"


def _quantile(q: float, histogram: str) -> str:
    inner = f"sum by (le, ${{label}}) (rate(${{prefix}}{histogram}_bucket{{${{matchers}}}}[${{window}}]))"
    return f"histogram_quantile({q}, {inner}) * 1000"


def _ratio(metric: str, failed: str) -> str:
    # "or ... * 0" keeps services with traffic but no failures at 0 instead of dropping them.
    return f"({_rate(metric, failed)} or {_rate(metric)} * 0) / {_rate(metric)}"


#: Default templates; their metric names fit the demo service's exposition with prefix ``shop_``.
DEFAULT_TEMPLATES: dict[str, str] = {
    m.REQUEST_RATE: _rate("requests_total"),
    m.ERROR_RATE: _ratio("requests_total", ', code=~"5.."'),
    m.LATENCY_P50_MS: _quantile(0.5, "request_duration_seconds"),
    m.LATENCY_P95_MS: _quantile(0.95, "request_duration_seconds"),
    m.LATENCY_P99_MS: _quantile(0.99, "request_duration_seconds"),
    m.CPU_PERCENT: _rate("process_cpu_seconds_total") + " * 100",
    m.MEMORY_MB: "max by (${label}) (${prefix}process_resident_memory_bytes{${matchers}}) / 1048576",
    m.DB_QUERY_P95_MS: _quantile(0.95, "db_query_duration_seconds"),
    m.DEPENDENCY_ERROR_RATE: _ratio("dependency_requests_total", ', outcome="error"'),
    # Gauges of the fault catalogue of issue 3: data volume fill and database connection-pool use.
    m.DISK_USED_PERCENT: "100 * max by (${label}) (${prefix}disk_used_bytes{${matchers}})"
    " / max by (${label}) (${prefix}disk_size_bytes{${matchers}})",
    m.DB_POOL_UTILIZATION: 'max by (${label}) (${prefix}db_pool_connections{${matchers}, state="in_use"})'
    " / max by (${label}) (${prefix}db_pool_max_connections{${matchers}})",
    m.CACHE_HIT_RATIO: _rate("cache_requests_total", ', result="hit"') + " / " + _rate("cache_requests_total"),
}


@dataclass(frozen=True)
class QueryConfig:
    """What the Prometheus source asks: templates per signal, metric prefix, rate window, topology."""

    templates: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_TEMPLATES))
    prefix: str = "shop_"
    window: str = "30s"
    edges: list[tuple[str, str]] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    #: The templates the file itself gave ("" switches a signal off); with presets they replace the presets'.
    overrides: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        validate_config(self)


def validate_config(config: QueryConfig) -> None:
    """Raise ``ConfigError`` naming the first rule a query configuration breaks."""
    unknown = sorted(set(config.templates) - set(m.METRICS))
    if unknown:
        raise ConfigError(f"Unknown signal(s) in PromQL templates: {unknown}; known: {list(m.METRICS)}")
    if not _METRIC_PREFIX.match(config.prefix):
        raise ConfigError(f"Metric prefix must be made of [a-zA-Z0-9_:], got {config.prefix!r}")
    if not _DURATION.match(config.window):
        raise ConfigError(f"Rate window must be a PromQL duration like '30s' or '1m', got {config.window!r}")
    for signal, template in config.templates.items():
        if not isinstance(template, str) or not template.strip():
            raise ConfigError(f"PromQL template for {signal!r} must be a non-empty string")
        names: set[str] = set()
        for match in string.Template.pattern.finditer(template):
            if match.group("invalid") is not None:
                raise ConfigError(f"PromQL template for {signal!r}: a '$' starts no placeholder (write $$ for $)")
            if match.group("escaped") is None:
                names.add(match.group("named") or match.group("braced"))
        bad = sorted(names - PLACEHOLDERS)
        if bad:
            raise ConfigError(
                f"PromQL template for {signal!r} uses unknown placeholder(s) {bad}; allowed: {sorted(PLACEHOLDERS)}"
            )
        if "matchers" not in names:
            raise ConfigError(f"PromQL template for {signal!r} must use ${{matchers}} in its selectors")
    for edge in config.edges:
        if not isinstance(edge, tuple) or len(edge) != 2 or not all(isinstance(n, str) and n for n in edge):
            raise ConfigError(f"Topology edges must be [caller, callee] pairs of names, got {edge!r}")


def render(template: str, *, label: str, matchers: str, prefix: str, window: str) -> str:
    """The PromQL of one template with its placeholders filled in."""
    return string.Template(template).substitute(label=label, matchers=matchers, prefix=prefix, window=window)


def load_query_config(path: Path) -> QueryConfig:
    """A ``QueryConfig`` from a JSON or TOML file; unspecified signals keep their default templates.

    File shape (TOML shown; JSON has the same keys)::

        metric_prefix = "shop_"
        rate_window = "30s"
        [templates]
        error_rate = 'sum by (${label}) (rate(http_errors_total{${matchers}}[${window}])) / ...'
        db_query_p95_ms = ""  # switched off
        [topology]
        edges = [["frontend", "checkout"]]
        external = ["payment-gateway"]
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"Cannot read PromQL config {path}: {exc.strerror or exc}") from exc
    try:
        raw = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"PromQL config {path} is not valid {path.suffix.lstrip('.').upper()}: {exc}") from exc
    return parse_query_config(raw, origin=str(path))


def parse_query_config(raw: object, *, origin: str = "config") -> QueryConfig:
    """A ``QueryConfig`` from an already decoded mapping; ``ConfigError`` names the bad key."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{origin}: expected a table/object at the top level")
    allowed = {"metric_prefix", "rate_window", "templates", "topology"}
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise ConfigError(f"{origin}: unknown key(s) {unknown}; allowed: {sorted(allowed)}")
    templates = raw.get("templates", {})
    topology = raw.get("topology", {})
    if not isinstance(templates, dict) or not isinstance(topology, dict):
        raise ConfigError(f"{origin}: 'templates' and 'topology' must be tables/objects")
    edges = topology.get("edges", [])
    external = topology.get("external", [])
    if not isinstance(edges, list) or not isinstance(external, list):
        raise ConfigError(f"{origin}: topology 'edges' and 'external' must be lists")
    try:
        return QueryConfig(
            # An empty template switches a signal off (e.g. no database histogram in this system).
            templates={k: v for k, v in {**DEFAULT_TEMPLATES, **templates}.items() if v != ""},
            prefix=str(raw.get("metric_prefix", "shop_")),
            window=str(raw.get("rate_window", "30s")),
            edges=[tuple(edge) if isinstance(edge, list) else edge for edge in edges],
            external=[str(name) for name in external],
            overrides={str(k): v for k, v in templates.items() if isinstance(v, str)},
        )
    except ConfigError as exc:
        raise ConfigError(f"{origin}: {exc}") from exc
