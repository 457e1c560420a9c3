"""Run the streaming detector over a NAB corpus, write its outputs and score them."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.nab.corpus import Series, data_files, read_series, read_windows, window_rows
from benchmarks.nab.scoring import (
    PROFILES,
    FileLayout,
    corpus_score,
    file_layout,
    file_score,
    normalise,
    optimise_threshold,
)
from core.anomaly import DEFAULT_ALERT_THRESHOLD, DetectorConfig, score_series


@dataclass(frozen=True)
class Loaded:
    """One data file with its scoring layout (files the labels do not cover are not loaded)."""

    series: Series
    layout: FileLayout


def category(name: str) -> str:
    """The category of a file name `<category>/<file>.csv`."""
    return name.split("/", 1)[0]


def load(root: Path) -> list[Loaded]:
    """Every data file under `root` that the labels cover, with its layout."""
    windows = read_windows(root)
    loaded = []
    for name in data_files(root):
        if name in windows:
            series = read_series(root, name)
            loaded.append(Loaded(series, file_layout(len(series.values), window_rows(series, windows[name]))))
    return loaded


@dataclass(frozen=True)
class FileResult:
    """Detector output for one file; `layout` is None when the labels do not cover the file."""

    name: str
    scores: np.ndarray
    alerts: np.ndarray
    layout: FileLayout | None


@dataclass(frozen=True)
class ProfileScore:
    """Normalised NAB score of one profile, with the corpus-optimised threshold and with the alert column."""

    profile: str
    optimised_threshold: float
    optimised: float
    alert: float


@dataclass(frozen=True)
class Report:
    """Benchmark figures: per-profile scores, files and windows scored, and detector points per second."""

    scores: list[ProfileScore]
    categories: dict[str, tuple[int, int, float]]
    """Category -> (files, windows, raw standard score of the alert column)."""
    files_scored: int
    windows: int
    points: int
    points_per_second: float


def run(root: Path, out: Path | None, config: DetectorConfig | None = None) -> tuple[list[FileResult], Report]:
    """Score every data file under `root`, write `out/<category>/<file>.csv` when `out` is given."""
    windows = read_windows(root)
    results, points, busy = [], 0, 0.0
    for name in data_files(root):
        series = read_series(root, name)
        stamps, values = series.timestamps.tolist(), series.values.tolist()
        start = time.process_time()
        scores = np.asarray(score_series(stamps, values, config))
        busy += time.process_time() - start
        points += len(values)
        alerts = (scores >= DEFAULT_ALERT_THRESHOLD).astype(np.int64)
        if out is not None:
            _write(out / name, series.raw_timestamps, series.values, scores, alerts)
        layout = file_layout(len(values), window_rows(series, windows[name])) if name in windows else None
        results.append(FileResult(name, scores, alerts, layout))
    return results, _report(results, points, points / busy if busy > 0 else float("inf"))


def _write(path: Path, stamps: list[str], values: np.ndarray, scores: np.ndarray, alerts: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame({"timestamp": stamps, "value": values, "anomaly_score": scores, "alert": alerts})
    frame.to_csv(path, index=False)


def _report(results: list[FileResult], points: int, rate: float) -> Report:
    scored = [r for r in results if r.layout is not None]
    layouts = [r.layout for r in scored if r.layout is not None]
    n_windows = sum(lay.n_windows for lay in layouts)
    rows = []
    for profile in PROFILES:
        threshold, raw = optimise_threshold(layouts, [r.scores for r in scored], profile)
        raw_alert = corpus_score(layouts, [r.alerts.astype(float) for r in scored], 1.0, profile)
        rows.append(
            ProfileScore(
                profile.name,
                threshold,
                normalise(raw, n_windows, profile),
                normalise(raw_alert, n_windows, profile),
            )
        )
    categories: dict[str, tuple[int, int, float]] = {}
    for r, lay in zip(scored, layouts, strict=True):
        files, windows, raw = categories.get(category(r.name), (0, 0, 0.0))
        gained = file_score(lay, r.alerts.astype(bool), PROFILES[0])
        categories[category(r.name)] = (files + 1, windows + lay.n_windows, raw + gained)
    return Report(rows, dict(sorted(categories.items())), len(scored), n_windows, points, rate)


def format_report(report: Report) -> str:
    """Plain-text table of the report."""
    lines = [
        f"files scored: {report.files_scored}, windows: {report.windows}, points: {report.points}",
        f"{'profile':<20} {'optimised':>10} {'threshold':>10} {'alert col':>10}",
    ]
    for s in report.scores:
        lines.append(f"{s.profile:<20} {s.optimised:>10.2f} {s.optimised_threshold:>10.4f} {s.alert:>10.2f}")
    lines.append(f"{'category':<24}{'files':>6}{'windows':>8}{'raw':>8}{'standard, alert col':>21}")
    for name, (files, windows, raw) in report.categories.items():
        norm = f"{normalise(raw, windows, PROFILES[0]):.2f}" if windows else "n/a (no windows)"
        lines.append(f"{name:<24}{files:>6}{windows:>8}{raw:>8.2f}{norm:>21}")
    lines.append(f"points per second (detector only, CPU time of one process): {report.points_per_second:,.0f}")
    return "\n".join(lines)
