"""Reading the PetShop root-cause dataset and writing each issue as files that ``analyze`` reads.

Layout (see the dataset's README): ``<scenario>/graph.csv`` (adjacency matrix), ``<scenario>/noissue/metrics.csv``
(normal operation; absent for the temporal scenarios), ``<scenario>/{train,test}/issue_N/metrics.csv`` and
``target.json``. A metrics file has four header rows (component, metric, statistic, an empty
``unix_timestamp`` row) and one row per 5-minute period; it is rewritten as a long CSV
(``time,service,metric,value``) whose metric is ``<metric> <statistic>`` (``latency p99``, ``requests Sum``),
the names a CloudWatch export gives, left for ``analyze`` to interpret.

The onset is the third row of each issue (index ``ONSET_ROW``), the row the publishers' evaluation analyses
(``row_index_to_analyze = 2`` in their ``data_preprocessing.py``, "to give the issues some time to
trigger"; every alarm time of ``target.json`` falls inside the second row's period). The baseline is the
scenario's normal-operation file, as the publishers use it, followed by the issue's rows before the onset;
the temporal scenarios, whose normal files are not included, have only those two rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

SCENARIOS = ("low_traffic", "high_traffic", "temporal_traffic1", "temporal_traffic2")
SPLITS = ("train", "test")
ONSET_ROW = 2
#: top-1 of the publishers' baseline (median-deviation scores, threshold 5, graph traversal from the symptom),
#: from their notebook ``RCA-Dataset-Eval.ipynb``: (issues, top-1) per scenario and symptom metric
PUBLISHED_TOP1: dict[tuple[str, str], tuple[int, float]] = {
    ("low_traffic", "latency"): (14, 0.571),
    ("low_traffic", "availability"): (12, 0.833),
    ("high_traffic", "latency"): (14, 0.571),
    ("high_traffic", "availability"): (12, 0.667),
    ("temporal_traffic", "latency"): (8, 1.000),
    ("temporal_traffic", "availability"): (8, 0.750),
}


@dataclass(frozen=True)
class Issue:
    """One injected issue: where its files are, the alarm that reported it and the component to find."""

    scenario: str
    name: str  # "train/issue_4"
    folder: Path
    symptom_node: str
    symptom_metric: str  # "latency" or "availability"
    symptom_statistic: str  # "Average"
    alarm_ts: float
    root_cause: str


def issues(root: Path, scenarios: tuple[str, ...] = SCENARIOS) -> list[Issue]:
    """Every issue of ``scenarios`` under ``root``, sorted by scenario, split and number."""
    found = []
    for scenario in scenarios:
        for split in SPLITS:
            folders = sorted((root / scenario / split).glob("issue_*"), key=lambda p: int(p.name.split("_")[1]))
            for folder in folders:
                target = json.loads((folder / "target.json").read_text())
                alarm = target["target"]
                found.append(
                    Issue(
                        scenario=scenario,
                        name=f"{split}/{folder.name}",
                        folder=folder,
                        symptom_node=alarm["node"],
                        symptom_metric=alarm["metric"],
                        symptom_statistic=alarm["agg"],
                        alarm_ts=float(alarm["timestamp"]),
                        root_cause=target["root_cause"]["node"],
                    )
                )
    if not found:
        raise FileNotFoundError(f"no <scenario>/{{train,test}}/issue_*/target.json under {root}")
    return found


def read_wide(path: Path) -> pd.DataFrame:
    """A metrics file with its three header rows as a column MultiIndex (component, metric, statistic)."""
    return pd.read_csv(path, header=[0, 1, 2], index_col=0)


def to_long(frame: pd.DataFrame) -> pd.DataFrame:
    """``time,service,metric,value`` rows of a wide frame from ``read_wide``, empty cells left out."""
    parts = []
    for (component, metric, statistic), column in frame.items():
        values = column.dropna()
        if values.empty:
            continue
        parts.append(
            pd.DataFrame(
                {
                    "time": values.index.astype(float),
                    "service": component,
                    "metric": f"{metric} {statistic}",
                    "value": values.to_numpy(dtype=float),
                }
            )
        )
    return pd.concat(parts, ignore_index=True).sort_values(["time", "service", "metric"], kind="stable")


def onset(path: Path) -> float:
    """The unix time of the onset row (``ONSET_ROW``) of an issue's metrics file."""
    return float(read_wide(path).index[ONSET_ROW])


def normal_file(root: Path, scenario: str) -> Path | None:
    """The scenario's normal-operation metrics, or None when the dataset does not include them."""
    path = root / scenario / "noissue" / "metrics.csv"
    return path if path.exists() else None


def write_long(source: Path, target: Path) -> Path:
    """``source`` (four header rows) rewritten as a long CSV at ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    to_long(read_wide(source)).to_csv(target, index=False)
    return target
