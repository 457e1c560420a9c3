"""benchmarks.rca: its scoring on hand-made rows, the calibration fit, and one small real run."""

from __future__ import annotations

import json
import math
import random

import pytest

from benchmarks.rca import plan, scoring
from benchmarks.rca.__main__ import main
from core.agents import calibration
from core.agents.calibration import GroupSoftmax


def _row(faults, *incidents, group="single", duration=240.0):
    return {
        "group": group,
        "label": "x",
        "seed": 1,
        "duration": duration,
        "warmup": 300.0,
        "faults": [{"type": k, "target": t, "intensity": i} for k, t, i in faults],
        "incidents": [
            {
                "detection_delay_s": delay,
                "root_causes": [{"service": s, "kind": k, "confidence": c} for s, k, c in hyps],
            }
            for delay, hyps in incidents
        ],
    }


def test_top1_and_topk_at_both_levels() -> None:
    row = _row(
        [("db_slow", "postgres", 1.0)], (10.0, [("catalog", "latency_spike", 0.6), ("postgres", "db_slow", 0.3)])
    )
    assert not scoring.top1(row) and not scoring.top1(row, service_level=True)
    assert scoring.hit(row, 2) and scoring.hit(row, 3, service_level=True)
    assert not scoring.hit(row, 1)
    no_incident = _row([("db_slow", "postgres", 1.0)])
    assert not scoring.top1(no_incident) and not scoring.hit(no_incident, 3)


def test_a_pair_needs_both_causes_in_some_incidents_top_k() -> None:
    faults = [("error_rate", "payments", 1.0), ("memory_leak", "checkout", 1.0)]
    split = _row(faults, (10.0, [("payments", "error_rate", 0.9)]), (40.0, [("checkout", "memory_leak", 0.9)]))
    assert scoring.hit(split, 3)
    half = _row(faults, (10.0, [("payments", "error_rate", 0.9), ("payments", "latency_spike", 0.05)]))
    assert not scoring.hit(half, 3)


def test_calibration_error_is_zero_when_confidence_matches_accuracy_and_measures_the_gap_otherwise() -> None:
    matched = [(0.75, True)] * 3 + [(0.75, False)] + [(0.25, True)] + [(0.25, False)] * 3
    table, ece = scoring.calibration(matched)
    assert ece == pytest.approx(0.0)
    assert [(b.count, b.accuracy) for b in table] == [(4, 0.25), (4, 0.75)]
    overconfident = [(0.95, True)] * 6 + [(0.95, False)] * 4
    assert scoring.calibration(overconfident)[1] == pytest.approx(0.35)


def test_percentiles_and_false_incidents_per_day() -> None:
    assert scoring.percentile([10, 20, 30, 40, 50], 50) == 30
    assert scoring.percentile([10, 20], 95) == pytest.approx(19.5)
    assert math.isnan(scoring.percentile([], 95))
    quiet = [_row([], (0.0, []), group="quiet", duration=43200 - 300), _row([], group="quiet", duration=43200 - 300)]
    assert scoring.false_incidents_per_day(quiet) == (1, pytest.approx(1.0), pytest.approx(1.0))


@pytest.mark.slow
def test_calibration_fit_recovers_the_softmax_that_generated_the_outcomes() -> None:
    truth, rng = GroupSoftmax(temperature=1.6, null_score=3.0), random.Random(7)
    groups = []
    for _ in range(3000):
        scores = [rng.uniform(-1, 8) for _ in range(rng.randint(1, 3))]
        probs = truth(scores)
        pick = rng.random()  # at most one candidate of a competing group is the cause
        right, acc = [], 0.0
        for p in probs:
            right.append(acc <= pick < acc + p)
            acc += p
        groups.append((scores, right))
    fitted = calibration.fit(groups)
    assert fitted.temperature == pytest.approx(1.6, abs=0.25) and fitted.null_score == pytest.approx(3.0, abs=0.5)
    assert calibration.log_loss(fitted, groups) <= calibration.log_loss(GroupSoftmax(), groups)


def test_a_group_shares_one_probability_and_the_null_keeps_some() -> None:
    probs = GroupSoftmax(temperature=1.0, null_score=2.0)([2.0, 2.0])
    assert probs == pytest.approx([1 / 3, 1 / 3])
    assert sum(GroupSoftmax(0.5, 0.0)([9.0, 1.0, 0.5])) < 1.0


def test_plan_covers_every_target_intensity_and_seed_and_pairs_use_two_services() -> None:
    combos = plan.combos([("error_rate", ["checkout", "payments"]), ("db_slow", ["postgres"])])
    runs = plan.singles(combos, [0.3, 1.0], [1, 2], 60.0)
    assert len(runs) == 3 * 2 * 2
    pairs = plan.doubles(combos, 10, 5, 60.0)
    assert pairs and all(a.target != b.target for a, b in (run.faults for run in pairs))
    assert sum(run.duration for run in plan.quiet(24, 8, 1)) == 24 * 3600


@pytest.mark.slow
def test_a_small_real_run_prints_every_table_and_writes_rows(tmp_path, capsys) -> None:
    rows = tmp_path / "rows.jsonl"
    args = ["--kinds", "error_rate", "--seeds", "1", "--intensities", "1.0", "--pairs", "1", "--duration", "60"]
    main([*args, "--quiet-hours", "0.2", "--quiet-chunks", "1", "--jobs", "2", "--rows", str(rows)])
    printed = capsys.readouterr().out
    for heading in ("Single faults", "Pairs", "Fault-free", "Calibration", "Detection delay", "Targets"):
        assert heading in printed
    written = [json.loads(line) for line in rows.read_text().splitlines()]
    assert len(written) == 4 + 1 + 1
    singles = [r for r in written if r["group"] == "single"]
    assert all(scoring.top1(r) for r in singles), [scoring.ranked(r) for r in singles]
    assert main(["--score", str(rows)]) in (0, 1)
    assert "Targets" in capsys.readouterr().out
