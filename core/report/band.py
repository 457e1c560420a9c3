"""The band above the charts: injected faults and incident windows as short bars in a few lanes, not one vertical
label each, so that fifty incidents in fifteen minutes still leave the charts readable.

Each lane ("faults", "incidents", or the incident page's "window") packs overlapping bars into at most
``MAX_SUBLANES`` rows; a bar's label is drawn inside it only when it fits (the rest say it on hover). Pure: Plotly
traces from data, no Streamlit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.models import Incident, InjectedFault
from core.report.charts import to_utc
from core.report.escape import plotly_label
from core.report.palette import FAULT_COLOR, SEVERITY_COLORS, text_color
from core.units import utc

#: Overlapping bars of one lane spread over at most this many rows; more overlap is drawn on top (the lane stays
#: compact however many incidents there were, and three rows still tell "several at once" from "one").
MAX_SUBLANES = 3
#: Pixels per band row: room for a 10 px label inside a bar.
ROW_PIXELS = 15
BASELINE_COLOR = "#c7c7c7"


@dataclass(frozen=True)
class BandItem:
    """One bar: a fault, an incident or a window, from ``start`` to ``end`` (Unix seconds)."""

    lane: str
    start: float
    end: float
    label: str  # short, inside the bar when it fits; untrusted text is escaped when drawn
    detail: str  # on hover
    color: str


def fault_items(faults: Iterable[InjectedFault], now: float, colors: Mapping[str, str] | None = None) -> list[BandItem]:
    """One bar per injected fault, from its start to its stop, its expiry, or ``now`` if sooner, in its target's
    colour from ``colors`` (so that it points at the target's row), else the fault colour."""
    items = []
    for fault in faults:
        end = fault.stopped_at if fault.stopped_at is not None else fault.expires_at
        name = f"{fault.type} @ {fault.target}"
        detail = f"fault {name}, intensity {fault.intensity:.1f}, {utc(fault.started_at)} to {utc(end)}"
        color = (colors or {}).get(fault.target, FAULT_COLOR)
        items.append(BandItem("faults", fault.started_at, min(end, now), name, detail, color))
    return items


def incident_items(incidents: Iterable[Incident], now: float) -> list[BandItem]:
    """One bar per incident, from its first signal to its end (``now`` while open), coloured by severity."""
    items = []
    for incident in incidents:
        end = incident.end_time if incident.end_time is not None else now
        label = f"{incident.severity} {incident.title}"
        state = "open" if incident.end_time is None else f"ended {utc(end)}"
        detail = f"{label} ({incident.status}), from {utc(incident.start_time)}, {state}"
        color = SEVERITY_COLORS.get(incident.severity, SEVERITY_COLORS["SEV4"])
        items.append(BandItem("incidents", incident.start_time, end, label, detail, color))
    return items


def pack(items: Sequence[BandItem]) -> list[int]:
    """The row of each item within its lane: the first row free at its start, a new one while fewer than
    ``MAX_SUBLANES``, else the row that frees first."""
    rows = [0] * len(items)
    ends: dict[str, list[float]] = {}
    for index in sorted(range(len(items)), key=lambda i: (items[i].start, items[i].end)):
        item = items[index]
        lane = ends.setdefault(item.lane, [])
        free = next((row for row, end in enumerate(lane) if end <= item.start), None)
        if free is None and len(lane) < MAX_SUBLANES:
            lane.append(item.end)
            free = len(lane) - 1
        elif free is None:
            free = min(range(len(lane)), key=lane.__getitem__)
        lane[free] = max(lane[free], item.end)
        rows[index] = free
    return rows


@dataclass(frozen=True)
class Band:
    """The band's traces and its y axis: one tick per lane, ``rows`` rows in all."""

    traces: list[dict[str, Any]]  # Plotly bar traces, without their axes
    tickvals: list[float]
    ticktext: list[str]
    rows: int

    @property
    def pixels(self) -> int:
        """The band's height in pixels."""
        return max(2, self.rows) * ROW_PIXELS


def build_band(items: Sequence[BandItem], lanes: Sequence[str]) -> Band:
    """Bars for ``items`` in ``lanes`` (top to bottom; a lane without items still gets its row)."""
    sublanes = pack(items)
    offset, tickvals, ticktext, traces = 0, [], [], []
    for lane in lanes:
        chosen = [(item, row) for item, row in zip(items, sublanes, strict=True) if item.lane == lane]
        depth = max((row for _, row in chosen), default=0) + 1
        tickvals.append(-(offset + (depth - 1) / 2))
        ticktext.append(lane)
        if chosen:
            traces.append(_bars(chosen, offset))
        offset += depth
    return Band(traces, tickvals, ticktext, offset)


def _bars(chosen: Sequence[tuple[BandItem, int]], offset: int) -> dict[str, Any]:
    """Horizontal bars on a date axis: ``base`` is the start, ``x`` the length in milliseconds."""
    return {
        "type": "bar",
        "orientation": "h",
        "base": [to_utc(item.start) for item, _ in chosen],
        "x": [max(1.0, item.end - item.start) * 1000 for item, _ in chosen],
        "y": [-(offset + row) for _, row in chosen],
        "width": 0.85,
        "marker": {"color": [item.color for item, _ in chosen], "line": {"width": 1, "color": "#ffffff"}},
        "text": [plotly_label(item.label) for item, _ in chosen],
        "textposition": "inside",
        "insidetextanchor": "start",
        "textfont": {"color": [text_color(item.color) for item, _ in chosen], "size": 10},
        "customdata": [plotly_label(item.detail) for item, _ in chosen],
        "hovertemplate": "%{customdata}<extra></extra>",
        "showlegend": False,
    }
