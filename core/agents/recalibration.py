"""Recalibration from responders' verdicts: a map applied on top of the benchmark's calibration.

``calibration`` fits the softmax on simulated faults; the incidents a team meets may be harder or easier,
so its confidences may be right less (or more) often than they say. Once responders have judged enough
causes, ``python -m core.cli calibrate --from-feedback`` fits a Platt map (Platt 1999) on the logit of each
benchmark-calibrated confidence, ``p' = sigmoid(a * logit(p) + b)``. With ``a > 0`` the map is increasing,
so the ranking is kept. It is fitted by maximum a posteriori: the likelihood of the verdicts times a
Gaussian prior centred on the identity (``a = 1, b = 0``), so a handful of verdicts cannot swing it far and
many verdicts outweigh the prior. The causes of one competing group exclude each other, so mapped
confidences that would sum over 1 within a group are scaled down together (the map is fitted as applied).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel

from core.agents.calibration import EPSILON
from core.agents.reliability import Reliability

#: A set of verdicts that the confidences separate perfectly would drive the slope to infinity (every
#: confidence 0 or 1), one the confidences do not separate at all to 0 (every confidence the same). Between
#: 1/4 and 4 the map at most quarters or quadruples the log-odds: it corrects, it does not replace, the evidence.
MIN_SLOPE = 0.25
MAX_SLOPE = 4.0
#: The intercept moves every log-odds by at most e^3 (about 20x in odds): a correction, not a verdict.
MAX_INTERCEPT = 3.0
#: Prior standard deviation of ln(a) and b around the identity: about 20 verdicts that all contradict the
#: stated confidences are needed to move either by one standard deviation (0.5).
PRIOR_SD = 0.5
#: Labels per judged cause: True right, False wrong, None not judged (another group's cause).
Label = bool | None


@dataclass(frozen=True, slots=True)
class PlattMap:
    """``p' = sigmoid(slope * logit(p) + intercept)``; the identity changes nothing."""

    slope: float = 1.0
    intercept: float = 0.0

    @property
    def identity(self) -> bool:
        """True when the map leaves every confidence as it is."""
        return self.slope == 1.0 and self.intercept == 0.0

    def __call__(self, p: float) -> float:
        p = min(max(p, EPSILON), 1 - EPSILON)
        z = self.slope * math.log(p / (1 - p)) + self.intercept
        return 1 / (1 + math.exp(-z))

    def inverse(self, p: float) -> float:
        """The confidence that the map turns into ``p`` (0-1)."""
        p = min(max(p, EPSILON), 1 - EPSILON)
        z = (math.log(p / (1 - p)) - self.intercept) / self.slope
        return 1 / (1 + math.exp(-z))

    def group(self, confidences: Sequence[float]) -> list[float]:
        """The mapped confidences of one competing group, scaled down together when they would sum over 1."""
        if self.identity:
            return list(confidences)
        mapped = [self(p) for p in confidences]
        total = sum(mapped)
        return [p / total for p in mapped] if total > 1 else mapped


class FeedbackCalibration(BaseModel):
    """A stored recalibration: the map, who fitted it when, on how many verdicts, and its figures."""

    version: int
    slope: float
    intercept: float
    verdicts: int
    fitted_by: str
    fitted_at: float  # Unix seconds
    before: Reliability | None = None  # the judged causes under the calibration in force before it
    after: Reliability | None = None  # the same causes under this one

    @property
    def map(self) -> PlattMap:
        """The map this calibration applies."""
        return PlattMap(self.slope, self.intercept)


@dataclass(frozen=True, slots=True)
class JudgedGroup:
    """One competing group of a judged analysis: each cause's confidence before any recalibration and its label."""

    base: tuple[float, ...]
    labels: tuple[Label, ...]


def stated(model: PlattMap, group: JudgedGroup, cap: float) -> list[float]:
    """The confidences ``model`` states for the group's causes, capped at ``cap`` like the root-cause agent's."""
    return [min(cap, p) for p in model.group(group.base)]


def points(model: PlattMap, groups: Sequence[JudgedGroup], cap: float) -> list[tuple[float, bool]]:
    """(stated confidence, right) of every judged cause under ``model``."""
    return [
        (p, ok)
        for group in groups
        for p, ok in zip(stated(model, group, cap), group.labels, strict=True)
        if ok is not None
    ]


def objective(model: PlattMap, groups: Sequence[JudgedGroup], cap: float) -> float:
    """Negative log posterior: the verdicts' Bernoulli negative log-likelihood plus the prior's penalty."""
    nll = 0.0
    for p, ok in points(model, groups, cap):
        p = min(max(p, EPSILON), 1 - EPSILON)
        nll -= math.log(p if ok else 1 - p)
    return nll + (math.log(model.slope) ** 2 + model.intercept**2) / (2 * PRIOR_SD**2)


def fit(groups: Sequence[JudgedGroup], cap: float) -> PlattMap:
    """The map minimising ``objective`` within the bounds: a coarse grid, then a finer one around its best."""
    best = PlattMap()
    if not any(ok is not None for group in groups for ok in group.labels):
        return best
    low, high = math.log(MIN_SLOPE), math.log(MAX_SLOPE)
    for step_s, step_b, span in ((0.1, 0.2, None), (0.01, 0.02, 10)):
        if span is None:
            slopes = [low + step_s * i for i in range(round((high - low) / step_s) + 1)]
            intercepts = [-MAX_INTERCEPT + step_b * i for i in range(round(2 * MAX_INTERCEPT / step_b) + 1)]
        else:
            centre_s, centre_b = math.log(best.slope), best.intercept
            slopes = [min(high, max(low, centre_s + step_s * i)) for i in range(-span, span + 1)]
            intercepts = [
                min(MAX_INTERCEPT, max(-MAX_INTERCEPT, centre_b + step_b * i)) for i in range(-span, span + 1)
            ]
        candidates = [
            PlattMap(round(math.exp(s), 3), round(b, 3)) for s, b in itertools.product(set(slopes), set(intercepts))
        ]
        candidates.sort(key=lambda m: (m.slope, m.intercept))  # ties resolve the same way on every run
        best = min(candidates, key=lambda model: objective(model, groups, cap))
    return best
