"""Leave-one-group-out choice: each group gets the candidate best on the others, ties go to the default."""

import pytest

from benchmarks.heldout import best_on_all, leave_one_out


def test_each_group_is_scored_with_the_candidate_chosen_without_it():
    table = {
        "a": {"x": 1.0, "y": 1.0, "z": 0.0},
        "b": {"x": 0.0, "y": 0.0, "z": 5.0},
    }
    result = leave_one_out(table, default="a")
    # b wins on everything but z's own score: held out, every group gets 0 where the all-data choice says 6
    assert result.chosen == {"x": "b", "y": "b", "z": "a"}
    assert result.value == {"x": 0.0, "y": 0.0, "z": 0.0}
    assert best_on_all(table, "a") == "b"


def test_ties_go_to_the_shipped_default():
    table = {"shipped": {"x": 1.0, "y": 1.0}, "other": {"x": 1.0, "y": 1.0}}
    assert leave_one_out(table, default="shipped").chosen == {"x": "shipped", "y": "shipped"}


def test_an_unknown_default_is_refused():
    with pytest.raises(ValueError, match="not among the candidates"):
        leave_one_out({"a": {"x": 1.0}}, default="b")
