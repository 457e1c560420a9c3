import pytest

from core.anomaly.likelihood import Likelihood, tail_score


@pytest.mark.parametrize(
    ("z", "expected"),
    [(-10.0, 0.0), (0.0, 0.0301), (4.2649, 0.5), (6.5, 1.0), (50.0, 1.0)],
    ids=["far-below", "mean", "p1e-5", "beyond-p1e-10", "far-above"],
)
def test_tail_score_is_log_scaled_gaussian_tail(z, expected):
    assert tail_score(z) == pytest.approx(expected, abs=2e-3)


def test_likelihood_scores_the_recent_mean_against_past_only():
    lik = Likelihood(short_points=1, memory_points=10, min_std=0.1)
    assert lik.update(0.0) == 0.0
    assert lik.update(1.0) == pytest.approx(10.0)


def test_likelihood_rejects_bad_parameters():
    with pytest.raises(ValueError, match="min_std > 0"):
        Likelihood(short_points=1, memory_points=10, min_std=0.0)
