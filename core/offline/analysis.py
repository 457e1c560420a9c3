"""Offline analysis of metrics (and logs) from files: one context, the five agents, a result to print or show.

The window starts at the ``onset`` when one is given (an alert's time, say): the metrics' samples before it
join the baseline. Without one, the baseline is an explicit file when given (the window is then the whole
metrics file), else the first third of the metrics file (``BASELINE_FRACTION``). A fixed share is
predictable and needs no detector of its own; it assumes the fault starts after the first third (a fault
already running at the start of the file is part of its baseline and cannot be told apart: pass a separate
``--baseline`` file or an onset then). A baseline file whose times overlap the metrics (both starting at 0,
say) is moved to end just before them; with an onset, the metrics' samples before it are the ones just
before the incident (``recent_start``): a series' level is judged against them as well as against the
baseline file, which may have been recorded on another day at another level.

Each series is smoothed with a centred rolling median of ``SMOOTHING_POINTS`` samples before the agents see
it when the window holds ``SMOOTHING_MIN_WINDOW`` samples or more: scrapes of container metrics carry spikes
of a few samples, which would otherwise pass for anomalies in a long window; a fault worth a root cause
lasts longer than that. A short window of coarse samples (three 5-minute periods) is used as it is: each
sample already aggregates its period, and a median over seven would erase the fault. Charts show the raw data.

Without a call graph the topology lists the services and no edges: each service is judged on its own
metrics, against the resource kinds of ``core.offline.kinds``. With one (``core.offline.graph``), a
callee's fault explains its callers' symptoms as in the live analysis. Client-side components
(``core.offline.views``) point at the service they call. A ``symptom`` (what an alert reported) becomes
the incident's alert signal: the root-cause agent explains it first.
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
from core.models import Incident, LogEvent, RootCause, Signal, root_causes
from core.offline.graph import CallGraph, topology
from core.offline.kinds import signatures_for
from core.offline.loaders import UNKNOWN_SERVICE, InputError, MetricsFile
from core.offline.symptom import parse_symptom
from core.offline.views import with_client_views
from core.orchestration.supervisor import AnalysisResult, ProgressCallback, Supervisor
from core.units import utc

BASELINE_FRACTION = 1.0 / 3.0
MAX_TIMES = 10_000  # sample times the agents see per file; longer files are averaged into buckets
SMOOTHING_POINTS = 7  # removes bursts of up to 3 samples
SMOOTHING_MIN_WINDOW = 3 * SMOOTHING_POINTS  # window samples from which smoothing cannot erase a fault
MIN_TIMES = 5  # distinct sample times a file needs: a first third of at least two, and a window


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


@dataclass(frozen=True)
class Split:
    """All samples (baseline file first), the baseline and window bounds, the start of the samples just
    before the window when a baseline file precedes them (``recent_start``), and notes."""

    frame: pd.DataFrame
    baseline: tuple[float, float]
    window: tuple[float, float]
    recent_start: float | None
    notes: tuple[str, ...]


def split(metrics: MetricsFile, baseline: MetricsFile | None, onset: float | None = None) -> Split:
    """The baseline and the window: before and from ``onset`` when given, else the baseline file before the
    whole metrics file, else the first ``BASELINE_FRACTION`` of the metrics' time span."""
    times = np.unique(metrics.frame["ts"].to_numpy(dtype=float))
    if onset is not None and not times[0] < onset <= times[-1] and not (baseline and onset == times[0]):
        raise InputError(
            f"{metrics.name}: the onset {utc(onset)} must fall after the file's first sample ({utc(times[0])}) "
            f"and no later than its last ({utc(times[-1])})"
        )
    if baseline is None:
        if onset is not None:
            return Split(metrics.frame, (float(times[0]), onset), (onset, metrics.end), None, ())
        if times.size < MIN_TIMES:
            raise InputError(
                f"{metrics.name}: only {times.size} distinct times; offline analysis needs at least {MIN_TIMES} "
                "(the first third is the baseline), or a separate --baseline file or an --onset"
            )
        cut = float(times[0] + BASELINE_FRACTION * (times[-1] - times[0]))
        return Split(metrics.frame, (float(times[0]), cut), (cut, metrics.end), None, ())
    frame, base_start, notes = _place_before(metrics, baseline, times)
    if onset is None:
        return Split(frame, (base_start, metrics.start), (metrics.start, metrics.end), None, notes)
    recent = metrics.start if onset > metrics.start else None
    return Split(frame, (base_start, onset), (onset, metrics.end), recent, notes)


def _place_before(
    metrics: MetricsFile, baseline: MetricsFile, times: np.ndarray
) -> tuple[pd.DataFrame, float, tuple[str, ...]]:
    """Baseline and metrics samples in one frame, the baseline moved to end just before the metrics when
    the two overlap in time (or the baseline comes later); the baseline's start and a note."""
    base = baseline.frame
    step = float(np.median(np.diff(times))) if times.size > 1 else 1.0
    notes: tuple[str, ...] = ()
    if baseline.end >= metrics.start:
        shift = metrics.start - step - baseline.end
        base = base.assign(ts=base["ts"] + shift)
        notes = (
            f"{baseline.name} overlaps {metrics.name} in time or comes after it; its samples were moved "
            f"{-shift:.0f} s earlier to end just before the metrics",
        )
    return pd.concat([base, metrics.frame], ignore_index=True), float(base["ts"].min()), notes


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


def smoothed(frame: pd.DataFrame, window: tuple[float, float]) -> pd.DataFrame:
    """``frame`` smoothed when its window holds ``SMOOTHING_MIN_WINDOW`` sample times or more, else as it is."""
    ts = frame["ts"].to_numpy(dtype=float)
    in_window = np.unique(ts[(ts >= window[0]) & (ts <= window[1])])
    return smooth(frame) if in_window.size >= SMOOTHING_MIN_WINDOW else frame


def _incident(name: str, window: tuple[float, float], alert: Signal | None) -> Incident:
    digest = hashlib.sha1(f"{name}:{window[0]}:{window[1]}".encode()).hexdigest()[:12]
    return Incident(
        id=f"offline-{digest}",
        title=f"Offline analysis of {name}",
        start_time=window[0],
        detected_at=window[1],
        fingerprint=f"offline:{name}",
        offline=True,
        signals=[alert] if alert else [],
        services=[alert.service] if alert else [],
    )


def analyze(
    metrics: MetricsFile,
    *,
    baseline: MetricsFile | None = None,
    logs: Sequence[LogEvent] = (),
    settings: Settings,
    on_progress: ProgressCallback | None = None,
    graph: CallGraph | None = None,
    symptom: str | None = None,
    onset: float | None = None,
) -> OfflineAnalysis:
    """Run the five agents over ``metrics`` (and ``logs``), with the call ``graph`` and the alerted
    ``symptom`` (``SERVICE[:METRIC]``) when given; ``InputError`` when the data cannot be split or the
    symptom names no service of the metrics."""
    parts = split(metrics, baseline, onset)
    frame, note = resample(parts.frame)
    notes = [*parts.notes, *([note] if note else [])]
    named = {event.service for event in logs} - {UNKNOWN_SERVICE}  # a service may show only in its logs
    services = sorted(set(frame["service"].astype(str)) | named)
    topo, graph_notes = topology(services, graph)
    topo, view_notes = with_client_views(topo)
    alert = parse_symptom(symptom, frame, parts.window[0]) if symptom else None
    incident = _incident(metrics.name, parts.window, alert)
    ctx = AnalysisContext(
        incident=incident,
        metrics=smoothed(frame, parts.window),
        logs=list(logs),
        baseline_start=parts.baseline[0],
        baseline_end=parts.baseline[1],
        window_start=parts.window[0],
        window_end=parts.window[1],
        topology=topo,
        catalogue=[],
        settings=settings,
        signatures=signatures_for(frame["metric"].unique().tolist(), graph=bool(topo.edges)),
        recent_start=parts.recent_start,
        onset=onset,
    )
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="offline") as executor:
        result = Supervisor(default_agents(), executor, SystemClock()).run(ctx, on_progress)
    incident = incident.model_copy(update={"final_summary": result.final_summary, "rca_markdown": result.rca_markdown})
    warnings = (*metrics.warnings, *(baseline.warnings if baseline else ()), *notes, *graph_notes, *view_notes)
    return OfflineAnalysis(metrics.name, frame, parts.baseline, parts.window, result, incident, tuple(warnings))


def describe_split(analysis: OfflineAnalysis) -> str:
    """One line saying which stretch is the baseline and which the window."""
    (b0, b1), (w0, w1) = analysis.baseline, analysis.window
    return f"baseline {utc(b0)} to {utc(b1)}, window {utc(w0)} to {utc(w1)}"
