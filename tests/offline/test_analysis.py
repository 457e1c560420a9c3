"""Offline analysis end to end on generated sock-shop metrics: the hogged service comes first, with evidence,
and a fault-free file yields "no cause found"."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from core.config import Settings
from core.offline.analysis import (
    BASELINE_FRACTION,
    MIN_TIMES,
    SMOOTHING_MIN_WINDOW,
    SMOOTHING_POINTS,
    analyze,
    resample,
    smoothed,
    split,
)
from core.offline.loaders import InputError, parse_logs, parse_metrics
from core.offline.sample import SERVICES, generate

SEEDS = range(10)
SETTINGS = Settings()


def _analyze(content: bytes, name: str = "metrics.csv", **kwargs):
    return analyze(parse_metrics(content, name), settings=SETTINGS, **kwargs)


@pytest.mark.slow
@pytest.mark.parametrize("hog", ["cpu", "memory"])
def test_the_hogged_service_ranks_first(hog: str) -> None:
    misses = []
    for seed in SEEDS:
        sample = generate(seed, hog=hog)
        causes = _analyze(sample.to_csv()).root_causes
        top = causes[0] if causes else None
        if top is None or (top.service, top.kind) != (sample.culprit, hog):
            misses.append((seed, sample.culprit, top and (top.service, top.kind)))
        for cause in causes:
            assert cause.evidence, f"seed {seed}: {cause.kind} on {cause.service} cites no evidence"
        assert {c.service for c in causes} <= set(SERVICES)
    assert not misses, f"top hypothesis is not the {hog} hog: {misses}"


@pytest.mark.slow
def test_every_service_can_be_found_as_the_culprit() -> None:
    for seed, culprit in enumerate(SERVICES):
        hog = "cpu" if seed % 2 else "memory"
        causes = _analyze(generate(100 + seed, hog=hog, culprit=culprit).to_csv()).root_causes
        assert causes and (causes[0].service, causes[0].kind) == (culprit, hog), (seed, culprit, causes[:2])


@pytest.mark.slow
def test_fault_free_files_report_no_cause() -> None:
    for seed in SEEDS:
        result = _analyze(generate(seed, hog=None).to_csv())
        assert result.root_causes == [], (seed, result.root_causes[:2])
        assert result.no_cause_reason and result.no_cause_reason.startswith("No cause found")
        assert "No root cause" in result.result.rca_markdown or "not identified" in result.result.rca_markdown.lower()


def test_first_third_is_the_baseline_and_the_report_is_complete() -> None:
    sample = generate(3, hog="cpu")
    result = _analyze(sample.to_csv(), "shop.csv")
    start, end = float(sample.frame["time"].iloc[0]), float(sample.frame["time"].iloc[-1])
    assert result.baseline == (start, pytest.approx(start + BASELINE_FRACTION * (end - start)))
    assert result.window == (result.baseline[1], end)
    data = result.to_json()
    assert data["series"] == len(sample.frame.columns) - 1
    assert data["status"] == "done"
    assert f"**{sample.culprit}**" in data["rca_markdown"]


def test_the_report_describes_an_analysed_window_not_a_live_incident() -> None:
    sample = generate(3, hog="cpu")
    markdown = _analyze(sample.to_csv(), "shop.csv").result.rca_markdown
    summary = markdown.split("## Executive Summary", 1)[1].split("##", 1)[0]
    assert summary.strip().startswith("Offline analysis of a ")
    assert "SEV" not in summary and "open for" not in summary
    assert "- **Window analysed:** " in markdown and "ongoing for" not in markdown
    assert "End of the analysed window" in markdown and "Incident opened" not in markdown
    assert "**CPU saturation** (`cpu`)" in markdown  # the offline kind's label, not "Cpu"
    assert "fitted on the demo shop" in markdown


def test_long_layout_gives_the_same_answer_as_wide() -> None:
    sample = generate(5, hog="memory")
    long = sample.frame.melt(id_vars="time", var_name="column", value_name="value")
    parts = long["column"].str.split("_", n=1, expand=True)
    long = pd.DataFrame({"time": long["time"], "service": parts[0], "metric": parts[1], "value": long["value"]})
    wide_top = _analyze(sample.to_csv()).root_causes[0]
    long_top = _analyze(long.to_csv(index=False).encode(), "long.csv").root_causes[0]
    assert (long_top.service, long_top.kind) == (wide_top.service, wide_top.kind) == (sample.culprit, "memory")


@pytest.mark.slow
def test_a_separate_baseline_file_is_placed_before_the_metrics() -> None:
    sample = generate(8, hog="cpu")
    frame, start = sample.frame, float(sample.frame["time"].iloc[0])
    normal = frame[frame["time"] < start + 600.0].copy()
    incident = frame[frame["time"] >= sample.fault_start - 120.0]
    normal["time"] += float(incident["time"].iloc[0]) - start  # both files start at the same instant
    result = analyze(
        parse_metrics(incident.to_csv(index=False).encode(), "incident.csv"),
        baseline=parse_metrics(normal.to_csv(index=False).encode(), "normal.csv"),
        settings=SETTINGS,
    )
    assert result.baseline[1] == result.window[0] == float(incident["time"].iloc[0])
    assert result.baseline[1] - result.baseline[0] == pytest.approx(600.0, abs=10.0)
    assert any("moved" in note for note in result.warnings)
    assert (result.root_causes[0].service, result.root_causes[0].kind) == (sample.culprit, "cpu")


def test_too_short_a_file_is_refused() -> None:
    with pytest.raises(InputError, match="only 3 distinct times"):
        _analyze(b"time,a_cpu\n1,1\n2,1\n3,1\n")


def test_logs_add_log_patterns_to_the_report() -> None:
    sample = generate(2, hog="cpu")
    start, onset = float(sample.frame["time"].iloc[0]), sample.fault_start
    lines = [f'{{"ts": {start + i}, "service": "{sample.culprit}", "level": "INFO", "msg": "GET /items 200"}}'
             for i in range(0, 1800, 10)]  # fmt: skip
    lines += [f'{{"ts": {onset + i}, "service": "{sample.culprit}", "level": "ERROR", "msg": "worker timed out"}}'
              for i in range(0, 300, 5)]  # fmt: skip
    events, _ = parse_logs("\n".join(lines).encode(), "app.log")
    result = _analyze(sample.to_csv(), logs=events)
    assert "worker timed out" in result.result.rca_markdown
    assert result.root_causes[0].service == sample.culprit


def test_memory_pressure_logs_are_cited_as_evidence_of_the_memory_hog() -> None:
    sample = generate(6, hog="memory")
    start, onset = float(sample.frame["time"].iloc[0]), sample.fault_start
    lines = [f"{utc_iso(start + i)} INFO {sample.culprit} GET /items 200" for i in range(0, 1800, 10)]
    lines += [f"{utc_iso(onset + i)} WARN {sample.culprit} GC pause 900 ms, heap 95% full" for i in range(0, 300, 5)]
    events, _ = parse_logs("\n".join(lines).encode(), "app.log", default_service=str(sample.culprit))
    top = _analyze(sample.to_csv(), logs=events).root_causes[0]
    assert (top.service, top.kind) == (sample.culprit, "memory")
    logs = [e for e in top.evidence if e.kind == "log"]
    assert logs and logs[0].description.startswith("memory-pressure logs: ")
    assert "GC pause" in logs[0].description and "60 lines in the window (new)" in logs[0].description


def utc_iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_long_files_are_averaged_into_buckets() -> None:
    frame = pd.DataFrame({"ts": [0.0, 1.0, 2.0, 3.0, 4.0], "service": "a", "metric": "cpu", "value": [1.0, 3, 5, 7, 9]})
    same, note = resample(frame, max_times=5)
    assert same is frame and note is None
    fewer, note = resample(frame, max_times=3)
    assert fewer["ts"].tolist() == [0.0, 2.0, 4.0] and fewer["value"].tolist() == [2.0, 6.0, 9.0]
    assert note == "5 sample times averaged into 2 s buckets (at most 3 per series)"


def _long_csv(rows: list[tuple[float, str, str, float]]) -> bytes:
    lines = ["time,service,metric,value", *(f"{t:.0f},{s},{m},{v}" for t, s, m, v in rows)]
    return ("\n".join(lines) + "\n").encode()


def _five_periods() -> bytes:
    """Five 5-minute periods of two services; pay's latency jumps at the third."""
    start = 1_767_268_800.0
    pay, web = [0.18, 0.19, 1.09, 0.63, 0.21], [0.10, 0.11, 0.12, 0.11, 0.11]
    rows = [(start + 300 * i, svc, "latency", v) for i in range(5) for svc, v in (("pay", pay[i]), ("web", web[i]))]
    return _long_csv(rows)


def test_an_onset_splits_a_short_coarse_file_and_says_it_had_little_baseline() -> None:
    start = 1_767_268_800.0
    result = _analyze(_five_periods(), onset=start + 600)
    assert result.baseline == (start, start + 600) and result.window == (start + 600, start + 1200)
    top = result.root_causes[0]
    assert (top.service, top.kind) == ("pay", "latency")
    assert "only 2 baseline samples" in top.evidence[0].description


def test_a_short_window_of_coarse_samples_is_not_smoothed() -> None:
    """A median over seven samples would erase a fault that lasts two of five periods."""
    result = _analyze(_five_periods(), onset=1_767_268_800.0 + 600)
    assert result.root_causes, result.no_cause_reason


def test_smoothing_needs_a_window_of_several_smoothing_spans() -> None:
    frame = pd.DataFrame({"ts": [float(i) for i in range(30)], "service": "a", "metric": "x", "value": [1.0] * 30})
    frame.loc[25, "value"] = 9.0
    assert smoothed(frame, (26.0, 29.0))["value"].max() == 9.0  # 4 window samples: as it is
    assert smoothed(frame, (5.0, 29.0))["value"].max() == 1.0  # 25 window samples: the spike is gone
    assert SMOOTHING_MIN_WINDOW == 3 * SMOOTHING_POINTS


@pytest.mark.parametrize("offset", [0.0, 5000.0], ids=["at-first-sample", "after-last"])
def test_an_onset_outside_the_file_is_refused(offset: float) -> None:
    with pytest.raises(InputError, match=r"the onset .* must fall after the file's first sample"):
        _analyze(_five_periods(), onset=1_767_268_800.0 + offset)


def test_with_a_baseline_file_and_an_onset_the_samples_before_it_are_the_recent_level() -> None:
    sample = generate(8, hog="cpu")
    frame = sample.frame
    start = float(frame["time"].iloc[0])
    normal = frame[frame["time"] < start + 600.0].copy()
    incident = frame[frame["time"] >= sample.fault_start - 120.0]
    metrics = parse_metrics(incident.to_csv(index=False).encode(), "incident.csv")
    parts = split(metrics, parse_metrics(normal.to_csv(index=False).encode(), "normal.csv"), sample.fault_start)
    assert parts.recent_start == metrics.start and parts.window == (sample.fault_start, metrics.end)
    assert parts.baseline == (start, sample.fault_start)  # the normal file comes first; the window at the onset
    result = analyze(metrics, baseline=parse_metrics(normal.to_csv(index=False).encode(), "n.csv"),
                     onset=sample.fault_start, settings=SETTINGS)  # fmt: skip
    assert (result.root_causes[0].service, result.root_causes[0].kind) == (sample.culprit, "cpu")


def test_files_of_five_times_are_enough_for_a_first_third() -> None:
    assert MIN_TIMES == 5
    result = _analyze(_five_periods())
    assert result.baseline[1] == pytest.approx(1_767_268_800.0 + 400.0)
