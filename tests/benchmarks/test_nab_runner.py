import json

import numpy as np
import pandas as pd
import pytest

from benchmarks.nab.__main__ import main
from benchmarks.nab.corpus import read_series, window_rows
from benchmarks.nab.heldout import FITTED, SHIPPED, candidates, format_sweep, sweep
from benchmarks.nab.runner import load
from benchmarks.nab.synthetic import check, format_check


def _write_corpus(root):
    """Two 5-minute series of 1,500 rows; one with a spike at row 1,000 inside a window."""
    rng = np.random.default_rng(3)
    stamps = pd.date_range("2024-01-01", periods=1500, freq="5min")
    spiky = 10 + rng.normal(0, 1, 1500)
    spiky[1000] += 50
    calm = 10 + rng.normal(0, 1, 1500)
    for name, values in [("catA/spiky.csv", spiky), ("catB/calm.csv", calm)]:
        path = root / "data" / name
        path.parent.mkdir(parents=True)
        frame = pd.DataFrame({"timestamp": stamps.strftime("%Y-%m-%d %H:%M:%S"), "value": values})
        frame.to_csv(path, index=False)
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    windows = {"catA/spiky.csv": [[stamps[940].strftime(fmt), stamps[1060].strftime(fmt)]], "catB/calm.csv": []}
    (root / "labels").mkdir()
    (root / "labels" / "combined_windows.json").write_text(json.dumps(windows))


def test_benchmark_writes_outputs_and_prints_scores(tmp_path, capsys):
    _write_corpus(tmp_path / "nab")
    assert main(["--data", str(tmp_path / "nab"), "--out", str(tmp_path / "out"), "--no-heldout"]) == 0
    out = pd.read_csv(tmp_path / "out" / "catA" / "spiky.csv")
    assert list(out.columns) == ["timestamp", "value", "anomaly_score", "alert"]
    assert len(out) == 1500
    assert out["anomaly_score"].between(0, 1).all()
    assert set(out["alert"]) <= {0, 1}
    assert out["alert"].iloc[1000] == 1
    assert (tmp_path / "out" / "catB" / "calm.csv").exists()
    printed = capsys.readouterr().out
    for word in ["standard", "reward_low_FP_rate", "reward_low_FN_rate", "points per second"]:
        assert word in printed


def test_window_bound_missing_from_the_file_is_an_error(tmp_path):
    _write_corpus(tmp_path)
    series = read_series(tmp_path, "catA/spiky.csv")
    with pytest.raises(ValueError, match="not a timestamp of the file"):
        window_rows(series, [("2030-01-01 00:00:00.000000", "2030-01-02 00:00:00.000000")])


def test_the_held_out_sweep_names_every_fitted_setting_and_scores_each_category(tmp_path):
    _write_corpus(tmp_path / "nab")
    result = sweep(load(tmp_path / "nab"), progress=False)
    assert set(result.raw) == set(candidates()) and SHIPPED in result.raw
    assert set(result.held_out.chosen) == {"catA", "catB"}
    printed = format_sweep(result)
    for name in FITTED:
        assert name in printed
    catA = next(line for line in printed.splitlines() if line.startswith("catA"))
    assert float(catA.split()[2]) > 50  # the spike inside the window is found with the shipped setting


def test_the_synthetic_check_scores_both_kinds_and_counts_quiet_alerts():
    result = check(seeds=range(1), quiet_seeds=range(100, 101))
    assert set(result.scores) == {"bursty", "price"}
    assert 0.0 <= result.quiet_alerts_per_1000 < 5.0
    assert "alerts per 1,000 points" in format_check(result)
