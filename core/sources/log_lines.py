"""One untrusted log line to a ``LogEvent`` (pure): JSON lines or plain text, never an exception.

Shared by the Loki and log-file sources. JSON objects give ``ts``/``timestamp``/``time``,
``service``, ``level``/``severity`` and ``message``/``msg``; plain text gives a leading ISO-8601
timestamp and a level word where present. Whatever is missing falls back to the caller's values.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from typing import Any

from core.models import LogEvent

MAX_MESSAGE_CHARS = 10_000
MAX_ATTRS = 50

_LEVELS = {
    "TRACE": "DEBUG",
    "DEBUG": "DEBUG",
    "INFO": "INFO",
    "INFORMATION": "INFO",
    "NOTICE": "INFO",
    "WARN": "WARN",
    "WARNING": "WARN",
    "ERROR": "ERROR",
    "ERR": "ERROR",
    "FATAL": "ERROR",
    "CRITICAL": "ERROR",
    "CRIT": "ERROR",
    "PANIC": "ERROR",
    "EMERG": "ERROR",
    "ALERT": "ERROR",
}
_LEVEL_WORD = re.compile(
    r"(?:^|[\s\[(|:=\"])(TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|FATAL|CRITICAL|CRIT|PANIC)(?=$|[\s\])|:,\"])",
    re.IGNORECASE,
)
_ISO_PREFIX = re.compile(r"\s*\[?(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?)\]?")
_TS_FIELDS = ("ts", "timestamp", "time", "@timestamp")
_LEVEL_FIELDS = ("level", "severity", "lvl", "loglevel")
_MESSAGE_FIELDS = ("message", "msg", "log")


def normalise_level(value: object) -> str | None:
    """DEBUG, INFO, WARN or ERROR for a level name in any common spelling; None if unknown."""
    if not isinstance(value, str):
        return None
    return _LEVELS.get(value.strip().upper())


def level_in_text(text: str) -> str | None:
    """The first level word in the first 200 characters of a plain-text line, normalised."""
    match = _LEVEL_WORD.search(text[:200])
    return _LEVELS[match.group(1).upper()] if match else None


def parse_timestamp(value: object) -> float | None:
    """Unix seconds from epoch numbers (s, ms, µs or ns, by magnitude) or ISO-8601 text; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            return _from_number(float(text))
        except ValueError:
            return _from_iso(text)
    if isinstance(value, int | float):
        return _from_number(float(value))
    return None


def _from_number(number: float) -> float | None:
    if not math.isfinite(number) or number <= 0:
        return None
    for scale in (1.0, 1e3, 1e6, 1e9):
        if number / scale < 1e11:  # seconds stay below 1e11 until the year 5138
            return number / scale
    return None


def _from_iso(text: str) -> float | None:
    try:
        parsed = datetime.fromisoformat(text.replace(",", ".").replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def parse_line(line: str, *, default_ts: float, default_service: str, default_level: str | None = None) -> LogEvent:
    """A ``LogEvent`` from one line; JSON objects are read field by field, anything else as text."""
    line = line.rstrip("\r\n")
    stripped = line.lstrip()
    if stripped.startswith("{"):
        try:
            obj = json.loads(stripped)
        except ValueError:
            obj = None
        if isinstance(obj, dict):
            return _from_json(obj, line, default_ts, default_service, default_level)
    ts = default_ts
    match = _ISO_PREFIX.match(line)
    if match:
        ts = _from_iso(match.group(1)) or default_ts
    level = level_in_text(line) or default_level or "INFO"
    return LogEvent(ts, default_service[:200], level, line[:MAX_MESSAGE_CHARS], {})


def _first(obj: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if key in obj and obj[key] is not None:
            return obj[key]
    return None


def _from_json(
    obj: dict[str, Any], line: str, default_ts: float, default_service: str, default_level: str | None
) -> LogEvent:
    ts = parse_timestamp(_first(obj, _TS_FIELDS)) or default_ts
    service = _first(obj, ("service", "service_name", "app"))
    message = _first(obj, _MESSAGE_FIELDS)
    text = message if isinstance(message, str) else line
    level = normalise_level(_first(obj, _LEVEL_FIELDS)) or default_level or level_in_text(text) or "INFO"
    used = {*_TS_FIELDS, *_LEVEL_FIELDS, *_MESSAGE_FIELDS, "service", "service_name", "app"}
    attrs = {str(k)[:100]: str(v)[:1000] for k, v in list(obj.items())[:MAX_ATTRS] if k not in used}
    name = str(service)[:200] if isinstance(service, str | int) and str(service) else default_service[:200]
    return LogEvent(ts, name, level, text[:MAX_MESSAGE_CHARS], attrs)
