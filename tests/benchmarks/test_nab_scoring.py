import math

import numpy as np
import pytest

from benchmarks.nab.scoring import (
    MAX_TP,
    PROFILES,
    corpus_score,
    file_layout,
    file_score,
    normalise,
    optimise_threshold,
    probation_length,
    scaled_sigmoid,
)

STANDARD = PROFILES[0]


def _corpus():
    """Three synthetic files: windows as inclusive row ranges, one file without windows."""
    specs = [(400, [(100, 139), (250, 289)]), (300, [(200, 229)]), (200, [])]
    return [file_layout(n, windows) for n, windows in specs]


@pytest.mark.parametrize(
    ("y", "expected"),
    [(-1.0, 0.9866142982), (0.0, 0.0), (1.0, -0.9866142982), (3.0, -0.9999993882), (3.01, -1.0)],
    ids=["window-start", "window-end", "one-width-after", "at-3", "beyond-3"],
)
def test_scaled_sigmoid(y, expected):
    assert scaled_sigmoid(y) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(("rows", "expected"), [(20, 3), (4032, 604), (10_000, 750)], ids=str)
def test_probation_is_15_percent_capped_at_750(rows, expected):
    assert probation_length(rows) == expected


def test_hand_computed_file_score():
    # 20 rows, probation 3 rows, one window on rows 10..13 (width 4).
    layout = file_layout(20, [(10, 13)])
    detections = np.zeros(20, dtype=bool)
    detections[[1, 5, 11, 12, 16]] = True
    # row 1: probation, ignored. row 5: FP before any window: -0.11.
    # rows 11, 12: in window; only the best counts: row 11, y = -(13 - 11 + 1) / 4 = -0.75,
    #   2 / (1 + e^-3.75) - 1 = 0.9540452 -> / 0.9866143 = 0.9669891.
    # row 16: after the window, y = |13 - 16| / (4 - 1) = 1 -> -0.9866143 * 0.11 = -0.1085276.
    expected = 0.9669891 - 0.11 - 0.1085276
    assert file_score(layout, detections, STANDARD) == pytest.approx(expected, abs=1e-6)
    assert (2 / (1 + math.exp(-3.75)) - 1) / MAX_TP == pytest.approx(0.9669891, abs=1e-6)


def test_missed_window_costs_fn_weight():
    layout = file_layout(20, [(10, 13)])
    none = np.zeros(20, dtype=bool)
    assert [file_score(layout, none, p) for p in PROFILES] == [-1.0, -1.0, -2.0]


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.name)
def test_null_detector_scores_zero(profile):
    layouts = _corpus()
    scores = [np.full(len(lay.window), 0.5) for lay in layouts]
    threshold, raw = optimise_threshold(layouts, scores, profile)
    assert threshold > 1.0
    assert normalise(raw, 3, profile) == pytest.approx(0.0)


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.name)
def test_perfect_detector_scores_100(profile):
    layouts = _corpus()
    scores = []
    for lay in layouts:
        s = np.zeros(len(lay.window))
        for k in range(lay.n_windows):
            s[np.flatnonzero(lay.window == k)[0]] = 1.0
        scores.append(s)
    threshold, raw = optimise_threshold(layouts, scores, profile)
    assert threshold == 1.0
    assert normalise(raw, 3, profile) == pytest.approx(100.0)
    assert normalise(corpus_score(layouts, scores, 1.0, profile), 3, profile) == pytest.approx(100.0)


@pytest.mark.parametrize("seed", range(5), ids=lambda s: f"seed{s}")
def test_optimised_threshold_matches_brute_force_sweep(seed):
    rng = np.random.default_rng(seed)
    layouts = _corpus()
    scores = [np.round(rng.random(len(lay.window)) ** 8, 3) for lay in layouts]
    for profile in PROFILES:
        _, raw = optimise_threshold(layouts, scores, profile)
        candidates = [1.1, *np.unique(np.concatenate(scores))]
        brute = max(corpus_score(layouts, scores, t, profile) for t in candidates)
        assert raw == pytest.approx(brute, abs=1e-9)


def test_overlapping_windows_are_rejected():
    with pytest.raises(ValueError, match="disjoint"):
        file_layout(100, [(10, 30), (20, 40)])
