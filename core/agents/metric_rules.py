"""Per-metric rules of the monitoring agent: spread floors, the smallest change that counts, the directions
that are faults and the baseline a comparison needs.

The live metrics (``core.models``) have fixed rules in their own units (``core.anomaly.bands.RULES``). Any
other name (a file's ``latency p99``, ``availability``, ``queue_length``) gets a rule from what the name says
(``core.semantics``), with floors resolved against the data, because a file's units are unknown:

- a share of a whole (a percentage or a ratio) is judged against its full scale, 1 or 100 (100 when a
  value exceeds 1): its spread is at least ``SHARE_SIGMA`` of the scale and a change must reach
  ``SHARE_CHANGE`` of it. A flat 100% availability falling to 97% is a fault; a flat 0% moving to 0.1% is not.
- any other magnitude (latency, CPU, a queue) is judged against the larger of its own level and the level the
  same metric has on the other services (``PEER_SIGMA`` of the latter): a series resting at 0 that moves by a
  hair is not a huge z-score just because its own spread was 0.
- the comparison works from ``MIN_POINTS`` baseline samples (two 5-minute periods before an alert, say):
  the floors stand in for a spread that so few points cannot show, and the anomaly says how many it had.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from core.anomaly.bands import RULES, Direction, MetricRule
from core.semantics import BOTH, semantics_of

MIN_POINTS = 2  # baseline samples a rule from a name needs: its floors stand in for the spread
SHARE_SIGMA = 0.001  # of a share's full scale: 0.1 point of a percentage, one request in a thousand
SHARE_CHANGE = 0.005  # of a share's full scale: half a point of a percentage
LEVEL_SIGMA = 0.05  # of a magnitude's own baseline level (the fixed rules' default)
LEVEL_CHANGE = 0.5  # of a magnitude's own baseline level
PEER_SIGMA = 0.01  # of the level the same metric has across services


def watched_directions(metric: str) -> frozenset[Direction]:
    """The directions of change the detector looks at: the fixed rule's, else the bad ones of what the name
    says. Throughput is watched both ways: a drop is the bad direction, a rise is load that can explain
    other symptoms (a traffic surge)."""
    rule = RULES.get(metric)
    if rule is not None:
        return rule.directions
    return _watched(metric)


def _watched(metric: str) -> frozenset[Direction]:
    sem = semantics_of(metric)
    return BOTH if sem.kind == "throughput" else sem.bad


def rule_for(metric: str, baseline: np.ndarray, peer_level: float = 0.0) -> MetricRule:
    """The rule for one series: the fixed rule of a live metric, else one from what ``metric`` says, with
    floors resolved against its ``baseline`` values and the ``peer_level`` of the same metric elsewhere."""
    fixed = RULES.get(metric)
    if fixed is not None:
        return fixed
    sem = semantics_of(metric)
    base = MetricRule(0.0, LEVEL_SIGMA, 0.0, LEVEL_CHANGE, _watched(metric), min_points=MIN_POINTS)
    if sem.share:
        finite = baseline[np.isfinite(baseline)]
        scale = 100.0 if finite.size and float(np.max(np.abs(finite))) > 1.0 else 1.0
        return replace(base, sigma_abs=SHARE_SIGMA * scale, sigma_rel=0.0, change_abs=SHARE_CHANGE * scale,
                       change_rel=0.0)  # fmt: skip
    return replace(base, sigma_abs=PEER_SIGMA * abs(peer_level))


def peer_levels(levels: Mapping[tuple[str, str], float]) -> dict[str, float]:
    """The median over services of each metric's baseline level, from ``{(service, metric): level}``."""
    by_metric: dict[str, list[float]] = {}
    for (_, metric), level in levels.items():
        if math.isfinite(level):
            by_metric.setdefault(metric, []).append(abs(level))
    return {metric: float(np.median(values)) for metric, values in by_metric.items()}
