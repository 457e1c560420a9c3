"""Reliability of stated confidences: how often causes stated at a confidence were right.

The bins are narrower towards the top because that is where responders act on a confidence: a cause
stated at 90% should be right nine times in ten; below 50% the report itself says "uncertain". The
expected calibration error (ECE) is the count-weighted mean gap between a bin's mean confidence and its
share right; the log loss and the Brier score judge every single confidence, not only the bins.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from pydantic import BaseModel

from core.agents.calibration import EPSILON

#: Bin edges (0-1): 0-50, 50-70, 70-85, 85-95 and 95-100 %; the last bin includes 100 %.
EDGES = (0.0, 0.5, 0.7, 0.85, 0.95, 1.0)


class ReliabilityBin(BaseModel):
    """The judged causes stated within [low, high)."""

    low: float
    high: float
    count: int
    mean_confidence: float
    share_right: float


class Reliability(BaseModel):
    """How often stated confidences were right: per confidence bin, and log loss, Brier score and ECE."""

    bins: list[ReliabilityBin]
    count: int
    log_loss: float
    brier: float
    ece: float  # count-weighted mean |share right - mean confidence| over the bins


def _bin_of(p: float) -> int:
    return next(i for i in range(len(EDGES) - 1) if p < EDGES[i + 1] or i == len(EDGES) - 2)


def reliability(points: Sequence[tuple[float, bool]]) -> Reliability:
    """The reliability of (stated confidence, right) pairs; every bin is listed, empty ones with count 0."""
    members: list[list[tuple[float, bool]]] = [[] for _ in EDGES[1:]]
    for p, ok in points:
        members[_bin_of(p)].append((p, ok))
    bins, gap = [], 0.0
    for (low, high), inside in zip(itertools.pairwise(EDGES), members, strict=True):
        n = len(inside)
        mean = sum(p for p, _ in inside) / n if n else 0.0
        share = sum(ok for _, ok in inside) / n if n else 0.0
        bins.append(ReliabilityBin(low=low, high=high, count=n, mean_confidence=mean, share_right=share))
        gap += n * abs(share - mean)
    n = len(points)
    clipped = [(min(max(p, EPSILON), 1 - EPSILON), ok) for p, ok in points]
    log_loss = -sum(math.log(p if ok else 1 - p) for p, ok in clipped) / n if n else 0.0
    brier = sum((p - ok) ** 2 for p, ok in points) / n if n else 0.0
    return Reliability(bins=bins, count=n, log_loss=log_loss, brier=brier, ece=gap / n if n else 0.0)
