"""The stretches of time an analysis compares: the incident's window, and a baseline that never holds a fault.

The window runs from ``ONSET_LOOKBACK_SECONDS`` before the incident's first signal (to catch the onset) to its
end, or to now while it is open; it never reaches back into an earlier incident or fault that was over by the
first signal, so the report's timeline starts with this incident. The baseline is ``BASELINE_SECONDS`` of
normal time before the window: the windows of earlier incidents (from their own onset look-back to their end,
the poll after their last signal) and of injected faults, each followed by ``CONFIRMATION_SECONDS`` (a change
back to normal takes the rules as long to trust as a change away from it), are left out of it, and the
baseline reaches further back to make up for them, at most ``BASELINE_REACH`` times its length. Pure: times
and spans in, spans out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

#: How far before the first signal the incident window starts, to catch the onset.
ONSET_LOOKBACK_SECONDS = 60.0
#: A baseline that has to skip earlier incidents reaches back at most this many times its length.
BASELINE_REACH = 3.0

Span = tuple[float, float]


@dataclass(frozen=True)
class Windows:
    """The baseline ``[baseline_start, baseline_end)`` without its ``excluded`` spans, and the window."""

    baseline_start: float
    baseline_end: float
    window_start: float
    window_end: float
    excluded: tuple[Span, ...] = ()  # inside the baseline, sorted and disjoint

    @property
    def baseline_seconds(self) -> float:
        """Seconds of baseline left once the excluded spans are taken out."""
        return (self.baseline_end - self.baseline_start) - sum(end - start for start, end in self.excluded)

    def kept(self, ts: float) -> bool:
        """False for a time inside an excluded span (its data must not shape the baseline)."""
        return not any(start <= ts < end for start, end in self.excluded)

    def kept_mask(self, ts: np.ndarray) -> np.ndarray:
        """``kept`` for every time of an array, as a boolean array."""
        mask = np.ones(ts.shape, dtype=bool)
        for start, end in self.excluded:
            mask &= (ts < start) | (ts >= end)
        return mask


def merged(spans: Iterable[Span]) -> list[Span]:
    """``spans`` sorted, with overlapping or touching ones joined; empty ones dropped."""
    out: list[Span] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def incident_windows(
    first_signal: float, window_end: float, earlier: Sequence[Span], *, baseline_seconds: float, settle_seconds: float
) -> Windows:
    """The windows of an incident whose first signal fired at ``first_signal``, analysed up to ``window_end``.

    ``earlier`` are the spans of the other incidents (from their onset, ``ONSET_LOOKBACK_SECONDS`` before
    their first signal, to their end or now) and of the injected faults (start to end); each is followed by
    ``settle_seconds`` in which the system comes back. A span that was over by ``first_signal`` bounds the
    window's start (its settling time stays in the window: the onset of this incident may lie in it); every
    span and its settling time are left out of the baseline.
    """
    over = [end for _, end in earlier if end <= first_signal]
    window_start = min(max([first_signal - ONSET_LOOKBACK_SECONDS, *over]), window_end)
    spans = merged((start, end + settle_seconds) for start, end in earlier)
    needed, cursor, excluded = baseline_seconds, window_start, []
    floor = window_start - BASELINE_REACH * baseline_seconds
    for start, end in reversed([s for s in spans if s[0] < window_start]):
        clean = cursor - min(end, cursor)
        if clean >= needed:
            break
        needed -= clean
        excluded.append((max(start, floor), min(end, cursor)))
        cursor = max(start, floor)
        if cursor <= floor:
            break
    baseline_start = max(floor, cursor - needed)
    excluded = [(max(s, baseline_start), e) for s, e in excluded if e > baseline_start]
    return Windows(baseline_start, window_start, window_start, window_end, tuple(sorted(excluded)))
