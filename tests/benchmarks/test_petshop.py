"""benchmarks.petshop: RCAEval's AC@k and Avg@k, the dataset's layout, one issue through analyze, and the
leave-one-scenario-out selection."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pandas as pd
import pytest

from benchmarks.petshop import loso
from benchmarks.petshop.dataset import ONSET_ROW, issues, onset, read_wide, to_long
from benchmarks.petshop.report import format_report, published, published_overall
from benchmarks.petshop.runner import Outcome, ranked_services, run_all
from benchmarks.petshop.scoring import ac_at, avg_at
from core.agents import metric_rules, rca_scoring
from core.config import Settings
from core.models import RootCause

START = 1_681_849_920.0
SERVICES = ("Front", "Search_service", "Search_client", "Table")
GRAPH = (
    ",Front,Search_service,Search_client,Table\n"
    "Front,0,1,0,0\nSearch_service,0,0,0,1\nSearch_client,0,1,0,0\nTable,0,0,0,0\n"
)


def test_ac_and_avg_at_k_as_rcaeval_defines_them() -> None:
    ranks = [1, 2, None, 5]
    assert [ac_at(ranks, k) for k in (1, 2, 3, 5)] == [0.25, 0.5, 0.5, 0.75]
    assert avg_at(ranks, 5) == pytest.approx((0.25 + 0.5 + 0.5 + 0.5 + 0.75) / 5)
    assert ac_at([], 1) == 0.0


def test_service_level_ranking_keeps_each_service_once() -> None:
    causes = [RootCause(service=s, kind=k, confidence=0.5) for s, k in (("a", "latency"), ("a", "cpu"), ("b", "x"))]
    assert ranked_services(causes) == ("a", "b")


def test_published_baseline_per_scenario_and_overall() -> None:
    assert published("low_traffic") == pytest.approx((14 * 0.571 + 12 * 0.833) / 26)
    assert published("temporal_traffic2") == published("temporal_traffic1") == pytest.approx(0.875)
    assert published_overall() == pytest.approx(0.71, abs=0.01)


def _metrics(slow: float) -> str:
    """Four header rows as the dataset has them, then five 5-minute rows; Search_service slows at row 2."""
    header = [
        ",".join(["microservice", *[s for s in SERVICES for _ in range(2)]]),
        ",".join(["metric", *["latency", "availability"] * len(SERVICES)]),
        ",".join(["statistic", *["Average"] * 2 * len(SERVICES)]),
        "unix_timestamp" + "," * 2 * len(SERVICES),
    ]
    rows = []
    for i in range(5):
        extra = slow if i in (2, 3) else 0.0
        values = {
            "Front": 0.09 + extra,
            "Search_service": 0.006 + extra,
            "Search_client": 0.004 + extra,
            "Table": 0.013,
        }
        cells = [f"{values[s] + 0.0001 * (i % 2):.5f},100.0" for s in SERVICES]
        rows.append(f"{START + 300 * i:.1f}," + ",".join(cells))
    return "\n".join(header + rows) + "\n"


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """Two scenarios of one issue each, in the dataset's layout (no normal-operation files: like the temporal ones)."""
    for scenario in ("low_traffic", "high_traffic"):
        folder = tmp_path / scenario / "test" / "issue_0"
        folder.mkdir(parents=True)
        (tmp_path / scenario / "graph.csv").write_text(GRAPH)
        (folder / "metrics.csv").write_text(_metrics(0.4))
        target = {
            "target": {"node": "Front", "metric": "latency", "agg": "Average", "timestamp": START + 480},
            "root_cause": {"node": "Search_service", "metric": None},
            "metadata": {"reproducibility": {"command": "set delay"}},
        }
        (folder / "target.json").write_text(json.dumps(target))
    return tmp_path


def test_the_dataset_layout_is_read_and_rewritten_long(dataset: Path) -> None:
    found = issues(dataset, ("low_traffic", "high_traffic"))
    assert [(i.scenario, i.name, i.root_cause, i.symptom_node) for i in found] == [
        ("low_traffic", "test/issue_0", "Search_service", "Front"),
        ("high_traffic", "test/issue_0", "Search_service", "Front"),
    ]
    wide = read_wide(found[0].folder / "metrics.csv")
    assert wide.shape == (5, 2 * len(SERVICES))
    long = to_long(wide)
    assert set(long["metric"]) == {"latency Average", "availability Average"}
    assert len(long) == 5 * 2 * len(SERVICES)
    assert onset(found[0].folder / "metrics.csv") == START + 300 * ONSET_ROW


def test_every_issue_goes_through_analyze_both_ways(dataset: Path) -> None:
    outcomes = run_all(issues(dataset, ("low_traffic",)), Settings())
    assert [(o.with_symptom, o.rank) for o in outcomes] == [(True, 1), (False, 1)]
    assert "Search_client" not in outcomes[0].ranking  # a client-side view is never a cause
    report = format_report(outcomes, misses=True)
    assert "| all issues             |  1 | 1.00 | 1.00 | 1.00 | 0.71 |" in report


def _outcome(scenario: str, rank: int) -> Outcome:
    ranking = (*(f"other{i}" for i in range(rank - 1)), "rc")
    return Outcome(scenario, "x", "latency", True, ranking, "rc", 0.0)


def test_leave_one_scenario_out_chooses_each_setting_on_the_other_scenarios(monkeypatch) -> None:
    """A setting whose alternative is better on every scenario but one: each fold picks what the other three
    prefer, and the held-out scenario is scored with that choice."""
    setting = loso.Setting("core.agents.rca_scoring.LATE_SAMPLES", 0.5, (1.5,), "test")
    monkeypatch.setattr(loso, "FITTED", (setting,))
    scenarios = ["a", "b", "c", "d"]
    issues_ = [type("I", (), {"scenario": s})() for s in scenarios]
    base = [_outcome(s, 2) for s in scenarios]

    def run(subset: list) -> list[Outcome]:
        better = rca_scoring.LATE_SAMPLES == 1.5
        return [_outcome(i.scenario, 1 if better and i.scenario != "d" else 2) for i in subset]

    folds = loso.leave_one_scenario_out(issues_, base, run)
    assert [f.held_out for f in folds] == scenarios
    assert [f.values[setting.name] for f in folds] == [1.5, 1.5, 1.5, 1.5]
    assert [f.outcomes[0].rank for f in folds] == [1, 1, 1, 2]
    assert rca_scoring.LATE_SAMPLES == 0.5  # restored


def test_applied_restores_module_constants_even_on_error() -> None:
    with pytest.raises(RuntimeError), loso.applied({"core.agents.metric_rules.SHARE_SIGMA": 0.5}):
        assert metric_rules.SHARE_SIGMA == 0.5
        raise RuntimeError
    assert metric_rules.SHARE_SIGMA == 0.001


def test_every_fitted_setting_names_a_module_constant_with_its_chosen_value() -> None:
    for setting in loso.FITTED:
        module, attr = setting.name.rsplit(".", 1)
        assert getattr(importlib.import_module(module), attr) == setting.chosen, setting.name
        assert setting.chosen not in setting.alternatives and setting.principle


def test_to_long_leaves_out_empty_cells() -> None:
    columns = pd.MultiIndex.from_tuples([("a", "latency", "p99"), ("b", "requests", "Sum")])
    frame = pd.DataFrame([[0.1, None], [None, 5.0]], index=[1.0, 2.0], columns=columns)
    long = to_long(frame)
    assert long.to_dict("records") == [
        {"time": 1.0, "service": "a", "metric": "latency p99", "value": 0.1},
        {"time": 2.0, "service": "b", "metric": "requests Sum", "value": 5.0},
    ]
