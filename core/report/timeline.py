"""The report's timeline: this incident's key events, oldest first, with repeats folded into one row.

Events that say the same thing (same source, service and text once values are masked: the same rule firing
again, eight new slow-query patterns of one service) become one row that counts the others and says until
when. Events of one second, source and service then share a row. When more rows remain than a reader takes in
at a glance, the most telling kinds are kept (faults, then detection, then metrics, then logs) in time order,
and the rest are counted (every event stays in the JSON export).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime

from pydantic import BaseModel

from core.log_patterns import mask
from core.models import TimelineEvent

#: Rows a report's timeline shows: about what one screen holds next to the rest of the report.
MAX_ROWS = 12
#: Characters of one event's text in a row, and of a quoted log template in it (a template can be a paragraph
#: of SQL: its start names it, its counts follow the quote).
MAX_TEXT = 200
MAX_QUOTE = 70
#: Events of one second, source and service written out in one row; the others are counted.
MAX_PER_ROW = 2
#: Which events stay when rows must be dropped: what was done to the system and what detection saw first.
SOURCE_RANK = {"fault": 0, "detection": 1, "metric": 2, "log": 3, "analysis": 4}


class TimelineRow(BaseModel):
    """Events of one second, source and service; each text says how many like it were folded into it, and
    ``more`` counts the events of the row beyond the ``MAX_PER_ROW`` written out."""

    ts: float
    source: str
    service: str
    descriptions: list[str]
    more: int = 0

    @property
    def text(self) -> str:
        """The row's events as one line."""
        extra = f" (and {self.more} more at this time)" if self.more else ""
        return "; ".join(self.descriptions) + extra


def clock(ts: float) -> str:
    """Unix seconds as ``HH:MM:SS`` in UTC."""
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%H:%M:%S")


_QUOTED = re.compile(rf"'([^']{{{MAX_QUOTE - 1}}})[^']+'")


def _shorten(text: str) -> str:
    text = _QUOTED.sub(lambda m: f"'{m.group(1)}…'", text)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def fold(events: Iterable[TimelineEvent]) -> list[TimelineRow]:
    """One row per kind of event (the first of its kind, counting the later ones), then one row per second,
    source and service; oldest first."""
    groups: dict[tuple[str, str, str], list[TimelineEvent]] = {}
    for event in sorted(events, key=lambda e: (e.ts, SOURCE_RANK.get(e.source, 9))):
        groups.setdefault((event.source, event.service or "", mask(event.description)), []).append(event)
    rows: dict[tuple[int, str, str], TimelineRow] = {}
    for (source, service, _), group in groups.items():
        first, text = group[0], _shorten(group[0].description)
        if len(group) > 1:
            text += f" (and {len(group) - 1} more like it until {clock(group[-1].ts)})"
        key = (int(first.ts), source, service)
        row = rows.setdefault(key, TimelineRow(ts=first.ts, source=source, service=service, descriptions=[]))
        if len(row.descriptions) < MAX_PER_ROW:
            row.descriptions.append(text)
        else:
            row.more += 1
    return sorted(rows.values(), key=lambda r: (r.ts, SOURCE_RANK.get(r.source, 9)))


def key_rows(events: Iterable[TimelineEvent], limit: int = MAX_ROWS) -> tuple[list[TimelineRow], int]:
    """The folded timeline cut to ``limit`` rows, the most telling kinds kept: (rows in time order, rows left)."""
    rows = fold(events)
    if len(rows) <= limit:
        return rows, 0
    ranked = sorted(range(len(rows)), key=lambda i: (SOURCE_RANK.get(rows[i].source, 9), rows[i].ts))
    kept = sorted(ranked[:limit])
    return [rows[i] for i in kept], len(rows) - limit
