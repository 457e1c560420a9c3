"""NAB scoring: anomaly windows, the scaled sigmoid, profiles, normalisation and threshold optimisation.

Follows NAB v1.1 (`nab/sweeper.py`, `nab/scorer.py`, `nab/optimizer.py`) as described in the corpus'
SCORING.md. Scores are raw NAB points unless a name says `normalised` (0 = null detector, 100 = perfect).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

PROBATION_PERCENT = 0.15
PROBATION_CAP_ROWS = PROBATION_PERCENT * 5000


@dataclass(frozen=True)
class Profile:
    """One NAB cost matrix (config/profiles.json); tnWeight is unused by NAB and left out."""

    name: str
    tp_weight: float
    fn_weight: float
    fp_weight: float


PROFILES: tuple[Profile, ...] = (
    Profile("standard", 1.0, 1.0, 0.11),
    Profile("reward_low_FP_rate", 1.0, 1.0, 0.22),
    Profile("reward_low_FN_rate", 1.0, 2.0, 0.11),
)


@dataclass(frozen=True)
class FileLayout:
    """Per-row scoring geometry of one file, independent of the detector and the profile.

    `window` is the window index of each row (-1 outside every window), `unweighted` the scaled-sigmoid
    value a detection on that row earns before profile weights, `scorable` False in the probationary period.
    """

    window: np.ndarray
    unweighted: np.ndarray
    scorable: np.ndarray
    n_windows: int


def scaled_sigmoid(y: float) -> float:
    """NAB's `2 * sigmoid(-5 y) - 1`, and -1 beyond y = 3."""
    if y > 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * y)) - 1.0


MAX_TP = scaled_sigmoid(-1.0)


def probation_length(n_rows: int) -> int:
    """Rows at the start of a file that NAB ignores: min(floor(15% of rows), 750)."""
    return int(min(math.floor(PROBATION_PERCENT * n_rows), PROBATION_CAP_ROWS))


def file_layout(n_rows: int, windows: Sequence[tuple[int, int]]) -> FileLayout:
    """Lay out one file from its windows given as inclusive (first_row, last_row) pairs, sorted, disjoint."""
    window = np.full(n_rows, -1, dtype=np.int64)
    unweighted = np.full(n_rows, -1.0)
    previous: tuple[int, int] | None = None
    edges = [*windows, (n_rows, n_rows)]
    cursor = 0
    for k, (left, right) in enumerate(edges):
        if left < cursor or (k < len(windows) and right < left):
            raise ValueError(f"windows must be sorted, disjoint and non-empty; got {windows}")
        if previous is not None:
            prev_right, prev_width = previous
            for i in range(cursor, min(left, n_rows)):
                unweighted[i] = scaled_sigmoid(abs(prev_right - i) / (prev_width - 1))
        if k == len(windows):
            break
        width = right - left + 1
        for i in range(left, right + 1):
            window[i] = k
            unweighted[i] = scaled_sigmoid(-(right - i + 1) / width)
        previous = (right, width)
        cursor = right + 1
    scorable = np.arange(n_rows) >= probation_length(n_rows)
    return FileLayout(window, unweighted, scorable, len(windows))


def weighted_scores(layout: FileLayout, profile: Profile) -> np.ndarray:
    """Points each row earns if it is a detection under `profile` (positive in windows, negative outside)."""
    inside = layout.window >= 0
    return np.where(inside, layout.unweighted * profile.tp_weight / MAX_TP, layout.unweighted * profile.fp_weight)


def file_score(layout: FileLayout, detections: np.ndarray, profile: Profile) -> float:
    """Raw NAB score of one file for a boolean detection per row."""
    weights = weighted_scores(layout, profile)
    hit = detections.astype(bool) & layout.scorable
    total = float(weights[hit & (layout.window < 0)].sum())
    for k in range(layout.n_windows):
        in_k = hit & (layout.window == k)
        total += float(weights[in_k].max()) if in_k.any() else -profile.fn_weight
    return total


def corpus_score(
    layouts: Sequence[FileLayout], scores: Sequence[np.ndarray], threshold: float, profile: Profile
) -> float:
    """Raw corpus score when every row with `score >= threshold` is a detection."""
    return sum(file_score(lay, np.asarray(s) >= threshold, profile) for lay, s in zip(layouts, scores, strict=True))


def _events(layout: FileLayout, score: np.ndarray, profile: Profile) -> tuple[np.ndarray, np.ndarray]:
    """(score, change in raw file score) for each row whose detection changes the file score."""
    weights = weighted_scores(layout, profile)[layout.scorable]
    window = layout.window[layout.scorable]
    score = np.asarray(score, dtype=float)[layout.scorable]
    outside = window < 0
    keys, deltas = [score[outside]], [weights[outside]]
    for k in range(layout.n_windows):
        in_k = window == k
        order = np.argsort(-score[in_k], kind="stable")
        best = np.maximum.accumulate(weights[in_k][order])
        gain = np.diff(np.concatenate(([-profile.fn_weight], best)))
        keep = gain > 0
        keys.append(score[in_k][order][keep])
        deltas.append(gain[keep])
    return np.concatenate(keys), np.concatenate(deltas)


def optimise_threshold(
    layouts: Sequence[FileLayout], scores: Sequence[np.ndarray], profile: Profile
) -> tuple[float, float]:
    """(threshold, raw corpus score) maximising the corpus score over every distinct anomaly score.

    Ties go to the highest threshold, as NAB's sweep from 1.0 downwards does; 1.1 means "no detection".
    """
    baseline = -profile.fn_weight * sum(lay.n_windows for lay in layouts)
    pairs = [_events(lay, s, profile) for lay, s in zip(layouts, scores, strict=True)]
    keys = np.concatenate([k for k, _ in pairs])
    deltas = np.concatenate([d for _, d in pairs])
    if keys.size == 0:
        return 1.1, baseline
    order = np.argsort(-keys, kind="stable")
    keys, running = keys[order], baseline + np.cumsum(deltas[order])
    group_end = np.flatnonzero(np.append(keys[1:] != keys[:-1], True))
    best = int(np.argmax(running[group_end]))
    if running[group_end][best] <= baseline:
        return 1.1, baseline
    return float(keys[group_end][best]), float(running[group_end][best])


def normalise(raw: float, n_windows: int, profile: Profile) -> float:
    """NAB's 100 * (S - S_null) / (S_perfect - S_null) with S_null = -fn * windows, S_perfect = tp * windows."""
    perfect = profile.tp_weight * n_windows
    null = -profile.fn_weight * n_windows
    return 100.0 * (raw - null) / (perfect - null)
