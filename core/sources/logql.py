"""LogQL for the Loki source (pure): per-service selectors and parsing of query_range answers.

A selector template holds ``$service`` where the service name goes; it is replaced by an escaped,
double-quoted LogQL string literal (LogQL strings follow the same Go escapes as PromQL), so the
default ``{service=$service}`` becomes ``{service="checkout"}`` and a hostile name stays a value.
A template without ``$service`` is one query for every service (e.g. ``{job="shop"}``).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import Any

from core.errors import ConfigError, SourceError
from core.models import LogEvent
from core.sources.log_lines import normalise_level, parse_line
from core.sources.promql import quote

DEFAULT_SELECTOR = "{service=$service}"
_QUOTED_PLACEHOLDER = re.compile(r"[\"'`]\$\{?service\}?|\$\{?service\}?[\"'`]")
_LEVEL_LABELS = ("level", "detected_level", "severity", "lvl")


def check_selector_template(template: str) -> str:
    """``template`` if usable, else ``ConfigError`` saying what is wrong with it."""
    if not template.strip().startswith("{"):
        raise ConfigError(f"LogQL selector template must start with a stream selector '{{...}}', got {template!r}")
    if _QUOTED_PLACEHOLDER.search(template):
        raise ConfigError(
            f"LogQL selector template {template!r}: write $service without quotes; it becomes a quoted string"
        )
    for match in string.Template.pattern.finditer(template):
        name = match.group("named") or match.group("braced")
        if match.group("invalid") is not None or (name is not None and name != "service"):
            raise ConfigError(f"LogQL selector template {template!r}: the only placeholder is $service")
    return template


def uses_service(template: str) -> bool:
    """True when the template is instantiated once per service."""
    return any(
        (match.group("named") or match.group("braced")) == "service"
        for match in string.Template.pattern.finditer(template)
    )


def selector(template: str, service: str | None) -> str:
    """The LogQL query for ``service`` (its name escaped as a string literal)."""
    if service is None:
        return template
    return string.Template(template).substitute(service=quote(service))


@dataclass(frozen=True, slots=True)
class Entry:
    """One Loki log entry before parsing: nanosecond timestamp, stream labels, raw line."""

    ts_ns: int
    labels: tuple[tuple[str, str], ...]
    line: str


def parse_streams(body: Any, where: str = "query_range") -> list[Entry]:
    """Entries of a Loki ``streams`` answer, oldest first; ``SourceError`` on errors or bad shapes."""
    if not isinstance(body, dict):
        raise SourceError(f"{where}: answer is not a JSON object")
    if body.get("status") != "success":
        error = " ".join(str(body.get("error", body.get("message", "no error message"))).split())[:500]
        raise SourceError(f"{where}: Loki error ({body.get('errorType', 'unknown')}): {error}")
    data = body.get("data")
    if not isinstance(data, dict) or data.get("resultType") != "streams" or not isinstance(data.get("result"), list):
        kind = data.get("resultType") if isinstance(data, dict) else type(data).__name__
        raise SourceError(f"{where}: expected a streams result (a log query, not a metric query), got {kind!r}")
    entries: list[Entry] = []
    for stream in data["result"]:
        try:
            labels = tuple(sorted((str(k), str(v)) for k, v in stream["stream"].items()))
            for value in stream["values"]:
                # A third element (structured metadata) may follow in newer Loki versions.
                entries.append(Entry(int(value[0]), labels, str(value[1])))
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            raise SourceError(f"{where}: malformed stream: {str(stream)[:200]}") from exc
    entries.sort(key=lambda entry: entry.ts_ns)
    return entries


def to_event(entry: Entry, *, service_label: str, fallback_service: str) -> LogEvent:
    """A ``LogEvent`` from an entry: Loki's timestamp, service and level from labels, else from the line."""
    labels = dict(entry.labels)
    level = next((normalise_level(labels[key]) for key in _LEVEL_LABELS if key in labels), None)
    event = parse_line(entry.line, default_ts=entry.ts_ns / 1e9, default_service=fallback_service, default_level=level)
    service = labels.get(service_label) or event.service
    attrs = {**{k[:100]: v[:1000] for k, v in entry.labels if k not in (service_label, *_LEVEL_LABELS)}, **event.attrs}
    # Loki's own timestamp is the one its cursor follows; the line's stays in attrs when it differs.
    if event.ts != entry.ts_ns / 1e9:
        attrs["line_ts"] = f"{event.ts:.6f}"
    return LogEvent(entry.ts_ns / 1e9, service, event.level, event.message, attrs)
