"""Reading a NAB corpus folder: `data/<category>/<file>.csv` and `labels/combined_windows.json`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Series:
    """One NAB data file: `name` is `<category>/<file>.csv`, timestamps in epoch seconds (UTC)."""

    name: str
    timestamps: np.ndarray
    values: np.ndarray
    raw_timestamps: list[str]


def data_files(root: Path) -> list[str]:
    """Names `<category>/<file>.csv` of every data file under `root/data`, sorted."""
    data = root / "data"
    return sorted(p.relative_to(data).as_posix() for p in data.glob("*/*.csv"))


def read_series(root: Path, name: str) -> Series:
    """Load one data file; raises ValueError when its columns are not `timestamp,value`."""
    frame = pd.read_csv(root / "data" / name)
    if list(frame.columns[:2]) != ["timestamp", "value"]:
        raise ValueError(f"{name}: expected columns timestamp,value, got {list(frame.columns)}")
    stamps = pd.to_datetime(frame["timestamp"])
    seconds = (stamps - pd.Timestamp("1970-01-01")) / pd.Timedelta(seconds=1)
    return Series(
        name,
        seconds.to_numpy(dtype=float),
        frame["value"].to_numpy(dtype=float),
        frame["timestamp"].astype(str).tolist(),
    )


def read_windows(root: Path) -> dict[str, list[tuple[str, str]]]:
    """`labels/combined_windows.json`: file name -> list of (start, end) timestamp strings."""
    with (root / "labels" / "combined_windows.json").open() as handle:
        raw = json.load(handle)
    return {name: [(start, end) for start, end in spans] for name, spans in raw.items()}


def window_rows(series: Series, spans: list[tuple[str, str]]) -> list[tuple[int, int]]:
    """Inclusive row ranges of the windows; raises ValueError when a bound is not a timestamp of the file."""
    stamps = pd.to_datetime(pd.Series(series.raw_timestamps))
    index = {ts: i for i, ts in enumerate(stamps)}
    rows = []
    for start, end in spans:
        try:
            rows.append((index[pd.Timestamp(start)], index[pd.Timestamp(end)]))
        except KeyError as exc:
            raise ValueError(f"{series.name}: window bound {exc} is not a timestamp of the file") from exc
    return rows
