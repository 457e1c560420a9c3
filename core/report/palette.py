"""Colours of the charts: one per service, the same in every chart, page and report; one per severity.

A service keeps its colour wherever it is drawn because every chart asks ``service_colors`` with the services of
its whole frame (not only the ones it shows): each name starts at the slot its hash picks and, when that slot is
taken, moves on to the next free one, so no two services of a frame share a colour while the palette lasts.
Red is left out of the palette: it means a threshold, an incident window or a severe incident.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

#: Ten colours that stay apart on a washed-out projector and for the common colour-vision deficiencies: the
#: categorical "tab10" set without its red (kept for thresholds and incidents), with a dark navy in its place.
PALETTE: tuple[str, ...] = (
    "#1f77b4",  # blue
    "#ff7f0e",  # orange
    "#2ca02c",  # green
    "#9467bd",  # purple
    "#8c564b",  # brown
    "#e377c2",  # pink
    "#17becf",  # cyan
    "#7f7f7f",  # grey
    "#bcbd22",  # olive
    "#1b2a6b",  # navy
)
THRESHOLD_COLOR = "#d62728"
SEVERITY_COLORS: dict[str, str] = {
    "SEV1": "#8b0000",
    "SEV2": "#d62728",
    "SEV3": "#f28e2b",
    "SEV4": "#9aa5b1",
}
FAULT_COLOR = "#6a3d9a"


def _slot(service: str) -> int:
    return zlib.crc32(service.encode()) % len(PALETTE)


def service_colors(services: Iterable[str]) -> dict[str, str]:
    """A colour per service, distinct for up to ``len(PALETTE)`` services, stable for a given set of names.

    Services take their hashed slot in name order (by slot, then name); a taken slot passes to the next free
    one. Beyond the palette's size colours repeat, each service still on its hashed slot."""
    names = sorted(set(services), key=lambda s: (_slot(s), s))
    taken: set[int] = set()
    colors: dict[str, str] = {}
    for name in names:
        slot = _slot(name)
        if len(taken) < len(PALETTE):
            while slot in taken:
                slot = (slot + 1) % len(PALETTE)
            taken.add(slot)
        colors[name] = PALETTE[slot]
    return colors


def text_color(background: str) -> str:
    """Black or white, whichever reads better on ``background`` (``#rrggbb``), by its relative luminance."""
    red, green, blue = (int(background[i : i + 2], 16) / 255 for i in (1, 3, 5))
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return "#111111" if luminance > 0.5 else "#ffffff"
