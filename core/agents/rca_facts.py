"""What root-cause scoring reads, gathered once per analysis: symptoms, surging log patterns, the graph."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from core.agents.base import AnalysisContext
from core.agents.metric_rules import watched_directions
from core.agents.moves import central_first, moves
from core.anomaly.bands import Z_THRESHOLD
from core.log_patterns import is_surging
from core.models import ALERT_RULE, Evidence, LogAnalysisOutput, LogPattern, MonitoringOutput, Signal, Topology
from core.units import format_value, utc

SIGNAL_STRENGTH = 0.4  # weight of a detection signal that no anomaly or log pattern backs


@dataclass(frozen=True, slots=True)
class Symptom:
    """A metric that moved the bad way on one service (a rise, or a drop of a metric that is only bad when
    it drops, such as availability): strength 0..1, from an anomaly or a detection signal."""

    strength: float
    start_ts: float
    baseline: float | None
    observed: float
    score: float | None  # robust z of the anomaly; None for a detection signal
    direction: str = "up"
    baseline_points: int | None = None  # when the comparison had little baseline


@dataclass(frozen=True)
class Facts:
    """What the scoring reads, gathered once from the upstream outputs and the context."""

    symptoms: Mapping[tuple[str, str], Symptom]
    observed: frozenset[tuple[str, str]]  # (service, metric) series present in the metrics
    patterns: tuple[LogPattern, ...]  # new or surging patterns, any level (each cue picks its levels)
    signals: tuple[Signal, ...]
    topology: Topology
    window: tuple[float, float]
    step: float  # sampling interval, seconds
    logs_available: bool
    moves: Mapping[tuple[str, str], float] = field(default_factory=dict)  # see ``core.agents.moves``
    onset: float | None = None  # when the incident is known to have begun (``AnalysisContext.onset``)
    #: Patterns of the window that the baseline does not have: one-off events (a deploy) read these. A deploy
    #: seen once before the baseline is still an event when it happens again (deploys recur by nature).
    events: tuple[LogPattern, ...] = ()

    def strength(self, service: str, metric: str) -> float:
        """Strength of the rise of ``metric`` on ``service`` (0 when it stayed in band)."""
        symptom = self.symptoms.get((service, metric))
        return symptom.strength if symptom else 0.0

    def share(self, part: str, whole: str, metrics: Iterable[str]) -> float:
        """How much of ``whole``'s move the bad way can ``part``'s account for, 0..1, in the first metric
        (mean first, see ``moves.central_first``) in which ``whole`` got worse and both were measured;
        1 when there is nothing to weigh."""
        for metric in central_first(metrics):
            big, small = self.moves.get((whole, metric)), self.moves.get((part, metric))
            if big is not None and small is not None and big > 0:
                return min(1.0, max(0.0, small / big))
        return 1.0

    @property
    def alert(self) -> Signal | None:
        """The signal that stands for what an alert reported, if any (``ALERT_RULE``)."""
        return next((s for s in self.signals if s.rule == ALERT_RULE), None)


def _symptoms(
    monitoring: MonitoringOutput | None, signals: tuple[Signal, ...], examined: frozenset[tuple[str, str]]
) -> dict[tuple[str, str], Symptom]:
    """Rises from the anomalies; a detection signal stands in only for a series monitoring did not examine."""
    found: dict[tuple[str, str], Symptom] = {}
    for a in monitoring.anomalies if monitoring else []:
        if a.direction == "up" or watched_directions(a.metric) == {"down"}:
            strength = 0.5 + 0.5 * min(1.0, max(0.0, a.score - Z_THRESHOLD) / 16.0)
            found[(a.service, a.metric)] = Symptom(
                strength, a.start_ts, a.baseline, a.observed, a.score, a.direction, a.baseline_points
            )
    for s in signals:
        key = (s.service, s.metric or "")
        if s.metric and key not in found and key not in examined and s.value > s.threshold:
            found[key] = Symptom(SIGNAL_STRENGTH, s.ts, None, s.value, None)
    return found


def _observed_series(ctx: AnalysisContext) -> tuple[frozenset[tuple[str, str]], float]:
    try:
        pairs = ctx.metrics[["service", "metric"]].drop_duplicates()
        times = np.unique(ctx.metrics["ts"].to_numpy(dtype=float))
    except (KeyError, TypeError, ValueError, AttributeError):
        return frozenset(), 5.0
    steps = np.diff(times)
    step = float(np.median(steps)) if steps.size else 5.0
    return frozenset(zip(pairs["service"].astype(str), pairs["metric"].astype(str), strict=True)), step


def gather(ctx: AnalysisContext, monitoring: MonitoringOutput | None, logs: LogAnalysisOutput | None) -> Facts:
    """Symptoms (anomalies, else detection signals), surging error/warn patterns and the graph, for scoring."""
    signals = tuple(ctx.incident.signals)
    observed, step = _observed_series(ctx)
    listed = logs.patterns if logs else []
    patterns = tuple(p for p in listed if p.is_new or is_surging(p))
    examined = observed if monitoring is not None and monitoring.status == "ok" else frozenset()
    return Facts(
        symptoms=_symptoms(monitoring, signals, examined),
        observed=observed | frozenset((a.service, a.metric) for a in (monitoring.anomalies if monitoring else [])),
        patterns=patterns,
        signals=signals,
        topology=ctx.topology,
        window=(ctx.window_start, ctx.window_end),
        step=step if math.isfinite(step) and step > 0 else 5.0,
        logs_available=logs is not None,
        moves=_moves(ctx),
        onset=ctx.onset,
        events=tuple(p for p in listed if p.baseline_count == 0),
    )


def _moves(ctx: AnalysisContext) -> dict[tuple[str, str], float]:
    """Every series' move, when a kind weighs its symptoms by size (``Signature.additive``); else none."""
    if not ctx.signatures or not any(sig.additive for sig in ctx.signatures.values()):
        return {}
    return moves(ctx.metrics, (ctx.baseline_start, ctx.baseline_end), (ctx.window_start, ctx.window_end),
                 ctx.recent_start)  # fmt: skip


def metric_evidence(facts: Facts, service: str, metric: str) -> Evidence:
    sym = facts.symptoms[(service, metric)]
    if sym.score is None:
        text = f"detection saw {service} {metric} at {format_value(metric, sym.observed)}"
        return Evidence(kind="detection", service=service, metric=metric, observed=sym.observed, description=text)
    moved = "rose" if sym.direction == "up" else "fell"
    little = f"; only {sym.baseline_points} baseline samples" if sym.baseline_points else ""
    text = (
        f"{service} {metric} {moved} from {format_value(metric, sym.baseline or 0.0)} (baseline median) to "
        f"{format_value(metric, sym.observed)}, out of band from {utc(sym.start_ts)} (robust z {sym.score:.1f}"
        f"{little})"
    )
    return Evidence(
        kind="metric",
        service=service,
        metric=metric,
        window_start=facts.window[0],
        window_end=facts.window[1],
        baseline=sym.baseline,
        observed=sym.observed,
        description=text,
    )
