import pytest

from core.anomaly.novelty import NoveltyBins


def test_first_visit_of_a_bin_is_novel_and_repeats_are_not():
    bins = NoveltyBins(width=4.0, max_bin=8)
    assert bins.observe(0.0, 1.0)
    assert not bins.observe(1.9, 1.0)  # still bin 0 (|x| < 2 spreads)
    assert bins.observe(4.0, 1.0)
    assert not bins.observe(4.5, 1.0)
    assert bins.observe(-4.0, 1.0)  # the other direction is its own bin


def test_far_deviations_fold_into_the_outer_bin_so_state_is_bounded():
    bins = NoveltyBins(width=1.0, max_bin=3)
    assert bins.observe(100.0, 1.0)
    assert not bins.observe(1e300, 1e-300)  # folded into +3, no overflow
    for x in range(-50, 50):
        bins.observe(float(x), 1.0)
    assert len(bins._seen) == 7


def test_a_flat_history_makes_any_move_novel():
    bins = NoveltyBins(width=4.0, max_bin=8)
    assert bins.observe(0.0, 0.0)
    assert not bins.observe(0.0, 0.0)
    assert bins.observe(1e-6, 0.0)


def test_bad_parameters_are_rejected():
    with pytest.raises(ValueError, match="width > 0"):
        NoveltyBins(width=0.0, max_bin=8)
