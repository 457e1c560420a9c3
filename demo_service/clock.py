"""Where the simulation reads the time: anything with ``now()`` in Unix seconds."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """A source of time in Unix seconds; virtual clocks only move when their owner says so."""

    def now(self) -> float: ...


class WallClock:
    """The real time."""

    def now(self) -> float:
        """Current Unix time in seconds."""
        return time.time()
