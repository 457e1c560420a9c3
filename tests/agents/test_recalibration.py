"""The recalibration from verdicts (a Platt map fitted with a prior) and the reliability table it is judged by."""

from __future__ import annotations

import math

import pytest

from core.agents.recalibration import MAX_SLOPE, JudgedGroup, PlattMap, fit, objective, points
from core.agents.reliability import reliability
from core.memory.verdicts import labels
from core.models import Feedback
from core.report.view import Cause

CAP = 0.95


def _judged(confidence: float, right: int, wrong: int) -> list[JudgedGroup]:
    """``right + wrong`` lone causes stated at ``confidence``, the first ``right`` of them right."""
    return [JudgedGroup(base=(confidence,), labels=(i < right,)) for i in range(right + wrong)]


def test_the_identity_changes_nothing_and_a_map_keeps_the_order() -> None:
    assert PlattMap().identity and PlattMap().group([0.2, 0.7]) == [0.2, 0.7]
    softer = PlattMap(slope=0.6, intercept=-0.4)
    mapped = [softer(p) for p in (0.05, 0.3, 0.5, 0.8, 0.95)]
    assert mapped == sorted(mapped) and len(set(mapped)) == 5
    assert softer.inverse(softer(0.8)) == pytest.approx(0.8)


def test_a_group_never_sums_over_one() -> None:
    bolder = PlattMap(slope=1.0, intercept=2.0)
    assert bolder(0.45) > 0.8  # alone it would state 86 %
    pair = bolder.group([0.45, 0.3])
    assert sum(pair) == pytest.approx(1.0) and pair[0] > pair[1]


def test_an_over_confident_history_pulls_the_stated_confidence_toward_the_share_right() -> None:
    history = _judged(0.9, right=60, wrong=40) + _judged(0.3, right=10, wrong=20)
    refit = fit(history, CAP)
    assert refit(0.9) == pytest.approx(0.6, abs=0.06) and refit(0.3) == pytest.approx(1 / 3, abs=0.08)
    assert objective(refit, history, CAP) < objective(PlattMap(), history, CAP)
    before, after = reliability(points(PlattMap(), history, CAP)), reliability(points(refit, history, CAP))
    assert after.ece < before.ece / 3 and after.log_loss < before.log_loss and after.brier < before.brier


def test_a_handful_of_verdicts_moves_the_map_little() -> None:
    few = fit(_judged(0.9, right=0, wrong=3), CAP)  # three misses at 90 %
    many = fit(_judged(0.9, right=0, wrong=60), CAP)
    assert 0.6 < few(0.9) < 0.9 and many(0.9) < few(0.9) - 0.2


def test_confidences_that_separate_perfectly_stay_within_the_bounds() -> None:
    history = _judged(0.9, right=50, wrong=0) + _judged(0.2, right=0, wrong=50)
    refit = fit(history, CAP)
    assert refit.slope <= MAX_SLOPE and refit(0.2) > 0.0 and refit(0.9) < 1.0


def test_nothing_judged_fits_the_identity() -> None:
    assert fit([JudgedGroup(base=(0.7,), labels=(None,))], CAP) == PlattMap()


def test_reliability_bins_and_scores_by_hand() -> None:
    table = reliability([(0.9, True), (0.9, False), (0.6, True), (0.2, False)])
    counts = [(round(b.low, 2), b.count) for b in table.bins]
    assert counts == [(0.0, 1), (0.5, 1), (0.7, 0), (0.85, 2), (0.95, 0)]
    assert table.bins[3].mean_confidence == pytest.approx(0.9) and table.bins[3].share_right == 0.5
    assert table.brier == pytest.approx((0.01 + 0.81 + 0.16 + 0.04) / 4)
    assert table.log_loss == pytest.approx(-(math.log(0.9) + math.log(0.1) + math.log(0.6) + math.log(0.8)) / 4)
    assert table.ece == pytest.approx((0.2 + 0.4 + 2 * 0.4) / 4)
    assert reliability([(1.0, True)]).bins[-1].count == 1  # the last bin includes 100 %


def _cause(kind: str, service: str, confidence: float, group: int = 0) -> Cause:
    return Cause(service=service, kind=kind, confidence=confidence, group=group, summary="")


CAUSES = [
    _cause("db_slow", "postgres", 0.8),
    _cause("latency_spike", "payments", 0.1),
    _cause("memory_leak", "checkout", 0.6, group=1),
]


@pytest.mark.parametrize(
    ("verdict", "actual", "expected"),
    [
        ("right", "", [True, False, None]),
        ("wrong", "latency_spike on payments", [False, True, None]),
        ("wrong", "Memory_Leak@checkout", [False, False, True]),
        ("wrong", "error_rate on frontend", [False, False, None]),
        ("wrong", "the deploy at noon", [False, None, None]),
        ("wrong", "db_slow on postgres", [False, False, None]),
    ],
    ids=["right", "actual-listed", "actual-other-group", "actual-unlisted", "free-text", "actual-is-the-top"],
)
def test_a_verdict_labels_the_causes_it_settles(verdict: str, actual: str, expected: list[bool | None]) -> None:
    feedback = Feedback(incident_id="i", verdict=verdict, actual_cause=actual, created_at=0.0)  # type: ignore[arg-type]
    assert labels(CAUSES, feedback) == expected
