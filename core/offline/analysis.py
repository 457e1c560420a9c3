"""Offline analysis of metrics (and logs) from files: one context, the five agents, a result to print or show.

The baseline is an explicit file when given, else the first third of the metrics file
(``BASELINE_FRACTION``), and the window is the rest. A fixed share is predictable and needs no detector of
its own; it assumes the fault starts after the first third (a fault already running at the start of the
file is part of its baseline and cannot be told apart: pass a separate ``--baseline`` file then). A
baseline file whose times overlap the metrics (both starting at 0, say) is moved to end just before them.
Each series is smoothed with a centred rolling median of ``SMOOTHING_POINTS`` samples before the agents
see it: scrapes of container metrics carry spikes of a few samples, which would otherwise pass for
anomalies in a long window; a fault worth a root cause lasts longer than that. Charts show the raw data.
Without a call graph the topology lists the services and no edges: each service is judged on its own
metrics, against the resource kinds of ``core.offline.kinds``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core.agents import default_agents
from core.agents.base import AnalysisContext
from core.clock import SystemClock
from core.config import Settings
from core.models import Incident, LogEvent, RootCause, Topology, root_causes
from core.offline.kinds import signatures_for
from core.offline.loaders import InputError, MetricsFile
from core.orchestration.supervisor import AnalysisResult, ProgressCallback, Supervisor
from core.units import utc

BASELINE_FRACTION = 1.0 / 3.0
MAX_TIMES = 10_000  # sample times the agents see per file; longer files are averaged into buckets
SMOOTHING_POINTS = 7  # removes bursts of up to 3 samples
MIN_TIMES = 12  # distinct sample times a file needs for a baseline and a window of a few points each


@dataclass(frozen=True)
class OfflineAnalysis:
    """What an offline analysis read, how it split the data, and the agents' result."""

    name: str
    metrics: pd.DataFrame  # ts, service, metric, value: baseline and window together
    baseline: tuple[float, float]
    window: tuple[float, float]
    result: AnalysisResult
    incident: Incident
    warnings: tuple[str, ...]

    @property
    def root_causes(self) -> list[RootCause]:
        """Ranked hypotheses as ``simulate`` prints them (service, kind, confidence, evidence)."""
        return root_causes(self.incident)

    @property
    def no_cause_reason(self) -> str | None:
        return self.result.final_summary.no_cause_reason

    def to_json(self) -> dict[str, Any]:
        """Everything ``analyze --json`` prints."""
        return {
            "file": self.name,
            "services": sorted(self.metrics["service"].unique().tolist()),
            "series": int(self.metrics.groupby(["service", "metric"]).ngroups),
            "baseline": {"start": self.baseline[0], "end": self.baseline[1]},
            "window": {"start": self.window[0], "end": self.window[1]},
            "status": self.result.status,
            "root_causes": [cause.model_dump(mode="json") for cause in self.root_causes],
            "no_cause_reason": self.no_cause_reason,
            "anomalies": [a.model_dump(mode="json") for a in self.result.final_summary.anomalies],
            "warnings": list(self.warnings),
            "rca_markdown": self.result.rca_markdown,
        }


def split(metrics: MetricsFile, baseline: MetricsFile | None) -> tuple[pd.DataFrame, tuple[float, float], list[str]]:
    """(all samples, baseline bounds, notes): the baseline file placed before the metrics, or the cut point
    at ``BASELINE_FRACTION`` of the metrics' time span."""
    times = np.unique(metrics.frame["ts"].to_numpy(dtype=float))
    if baseline is None:
        if times.size < MIN_TIMES:
            raise InputError(
                f"{metrics.name}: only {times.size} distinct times; offline analysis needs at least {MIN_TIMES} "
                "(the first third is the baseline), or a separate --baseline file"
            )
        cut = float(times[0] + BASELINE_FRACTION * (times[-1] - times[0]))
        return metrics.frame, (float(times[0]), cut), []
    notes: list[str] = []
    base = baseline.frame
    step = float(np.median(np.diff(times))) if times.size > 1 else 1.0
    if baseline.end >= metrics.start:
        shift = metrics.start - step - baseline.end
        base = base.assign(ts=base["ts"] + shift)
        notes.append(
            f"{baseline.name} overlaps {metrics.name} in time; its samples were moved {-shift:.0f} s earlier "
            "to end just before the metrics"
        )
    frame = pd.concat([base, metrics.frame], ignore_index=True)
    return frame, (float(base["ts"].min()), metrics.start), notes


def resample(frame: pd.DataFrame, max_times: int = MAX_TIMES) -> tuple[pd.DataFrame, str | None]:
    """``frame`` averaged into equal time buckets when it has more than ``max_times`` distinct times (the
    analysis then stays fast on a day of 1 s samples), with a note saying so; else ``frame`` and None."""
    times = np.unique(frame["ts"].to_numpy(dtype=float))
    if times.size <= max_times:
        return frame, None
    width = (times[-1] - times[0]) / (max_times - 1)
    bucket = np.floor((frame["ts"].to_numpy(dtype=float) - times[0]) / width)
    grouped = frame.assign(ts=times[0] + bucket * width).groupby(["ts", "service", "metric"], sort=False)
    note = f"{times.size} sample times averaged into {width:.3g} s buckets (at most {max_times} per series)"
    return grouped["value"].mean().reset_index(), note


def smooth(frame: pd.DataFrame, points: int = SMOOTHING_POINTS) -> pd.DataFrame:
    """``frame`` with each series replaced by its centred rolling median over ``points`` samples."""
    ordered = frame.sort_values(["service", "metric", "ts"], kind="stable").reset_index(drop=True)
    groups = ordered.groupby(["service", "metric"], sort=False)["value"]
    rolled = groups.rolling(points, center=True, min_periods=1).median()  # groups are contiguous: same order
    return ordered.assign(value=rolled.to_numpy())


def _incident(name: str, window: tuple[float, float]) -> Incident:
    digest = hashlib.sha1(f"{name}:{window[0]}:{window[1]}".encode()).hexdigest()[:12]
    return Incident(
        id=f"offline-{digest}",
        title=f"Offline analysis of {name}",
        start_time=window[0],
        detected_at=window[1],
        fingerprint=f"offline:{name}",
        offline=True,
    )


def analyze(
    metrics: MetricsFile,
    *,
    baseline: MetricsFile | None = None,
    logs: Sequence[LogEvent] = (),
    settings: Settings,
    on_progress: ProgressCallback | None = None,
) -> OfflineAnalysis:
    """Run the five agents over ``metrics`` (and ``logs``); ``InputError`` when the data cannot be split."""
    frame, bounds, notes = split(metrics, baseline)
    frame, note = resample(frame)
    notes += [note] if note else []
    window = (bounds[1], metrics.end)
    incident = _incident(metrics.name, window)
    services = sorted(frame["service"].unique().tolist())
    ctx = AnalysisContext(
        incident=incident,
        metrics=smooth(frame),
        logs=list(logs),
        baseline_start=bounds[0],
        baseline_end=bounds[1],
        window_start=window[0],
        window_end=window[1],
        topology=Topology(services=services),
        catalogue=[],
        settings=settings,
        signatures=signatures_for(frame["metric"].unique().tolist()),
    )
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="offline") as executor:
        result = Supervisor(default_agents(), executor, SystemClock()).run(ctx, on_progress)
    incident = incident.model_copy(update={"final_summary": result.final_summary, "rca_markdown": result.rca_markdown})
    warnings = (*metrics.warnings, *(baseline.warnings if baseline else ()), *notes)
    return OfflineAnalysis(metrics.name, frame, bounds, window, result, incident, tuple(warnings))


def describe_split(analysis: OfflineAnalysis) -> str:
    """One line saying which stretch is the baseline and which the window."""
    (b0, b1), (w0, w1) = analysis.baseline, analysis.window
    return f"baseline {utc(b0)} to {utc(b1)}, window {utc(w0)} to {utc(w1)}"
