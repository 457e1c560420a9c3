"""Novelty of a deviation: has the series ever been this far from its level, in this direction?

Deviations are cut into bins of a fixed number of robust spreads; a bin visited for the first time (after
learning) is a new extreme for the series. The state is one counter per bin, at most 2 * max_bin + 1 of
them, so memory is bounded however long the series runs.
"""

from __future__ import annotations

TINY_UNIT = 1e-9
"""Smallest bin width (value units): a series that has never moved puts any move in an outer bin."""


class NoveltyBins:
    """Remembers which deviation bins a series has visited; `observe` says whether a bin is new."""

    __slots__ = ("_max_bin", "_seen", "_width")

    def __init__(self, width: float, max_bin: int) -> None:
        if width <= 0 or max_bin < 1:
            raise ValueError(f"need width > 0 and max_bin >= 1; got {width}, {max_bin}")
        self._width, self._max_bin = width, max_bin
        self._seen: set[int] = set()

    def observe(self, deviation: float, spread: float) -> bool:
        """True when `deviation` (value units) falls in a bin of `width * spread` never visited before."""
        unit = self._width * spread
        x = deviation / (unit if unit > TINY_UNIT else TINY_UNIT)
        m = self._max_bin
        # Clip before rounding: a huge deviation over a tiny unit may overflow to infinity.
        b = -m if x < -m else (m if x > m else round(x))
        if b in self._seen:
            return False
        self._seen.add(b)
        return True
