"""RootCauseAgent: ranks (service, fault kind) hypotheses from the kinds' signatures, the call graph and the logs.

Every (target, kind) pair of the catalogue is scored in evidence units::

    3·metric fit + 2·log fit + 1·coverage + 0.5·detection − 2.5·against − 2.5·sick callee − 1·late onset

*metric fit* and *log fit* (0..1) say how much of the kind's signature is present on the target (or on its
callers, for a database or an external dependency); *coverage* is the share of services with the kind's
symptoms that the target can explain (itself and, for kinds that propagate, everything upstream of it);
*against* is a rise on the target that points elsewhere (dependency errors, slow queries); *sick callee*
is a callee showing the same symptom (then the callee is the better culprit); *late onset* is a service
upstream that went bad clearly before the target. Confidence is a softmax of the scores over all candidates
plus a constant "something else" alternative (``NULL_SCORE``): thin evidence or two explanations that fit
equally well both lower it, and it never exceeds ``MAX_CONFIDENCE``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar, TypeVar

import numpy as np

from core import catalogue
from core.agents.base import AnalysisContext
from core.agents.monitoring import Z_THRESHOLD
from core.catalogue import Signature
from core.log_patterns import is_surging
from core.models import (
    AgentOutput,
    Evidence,
    Hypothesis,
    LogAnalysisOutput,
    LogPattern,
    MonitoringOutput,
    RootCauseOutput,
    Signal,
    Topology,
)
from core.units import format_value, utc

W_METRIC, W_LOG, W_COVERAGE, W_SIGNAL = 3.0, 2.0, 1.0, 0.5
W_AGAINST, W_CALLEE, W_ONSET = 2.5, 2.5, 1.0
NULL_SCORE = 2.0  # score of "a cause outside the catalogue"; a lone candidate at this score gets 50%
MAX_CONFIDENCE = 0.95
MIN_CONFIDENCE = 0.01  # hypotheses below this are not reported
MAX_HYPOTHESES = 5
MAX_EVIDENCE = 10
SIGNAL_STRENGTH = 0.4  # weight of a detection signal that no anomaly or log pattern backs

OutputT = TypeVar("OutputT", bound=AgentOutput)


@dataclass(frozen=True, slots=True)
class Symptom:
    """A metric that rose on one service: strength 0..1, from an anomaly or a detection signal."""

    strength: float
    start_ts: float
    baseline: float | None
    observed: float
    score: float | None  # robust z of the anomaly; None for a detection signal


@dataclass(frozen=True)
class Facts:
    """What the scoring reads, gathered once from the upstream outputs and the context."""

    symptoms: Mapping[tuple[str, str], Symptom]
    observed: frozenset[tuple[str, str]]  # (service, metric) series present in the metrics
    patterns: tuple[LogPattern, ...]  # new or surging error/warn patterns
    signals: tuple[Signal, ...]
    topology: Topology
    window: tuple[float, float]
    step: float  # sampling interval, seconds
    logs_available: bool

    def strength(self, service: str, metric: str) -> float:
        """Strength of the rise of ``metric`` on ``service`` (0 when it stayed in band)."""
        symptom = self.symptoms.get((service, metric))
        return symptom.strength if symptom else 0.0


@dataclass
class Score:
    """One candidate's score, its parts, and the evidence behind them."""

    target: str
    sig: Signature
    total: float = 0.0
    primary: bool = False
    evidence: list[Evidence] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _symptoms(
    monitoring: MonitoringOutput | None, signals: tuple[Signal, ...], examined: frozenset[tuple[str, str]]
) -> dict[tuple[str, str], Symptom]:
    """Rises from the anomalies; a detection signal stands in only for a series monitoring did not examine."""
    found: dict[tuple[str, str], Symptom] = {}
    for a in monitoring.anomalies if monitoring else []:
        if a.direction == "up":
            strength = 0.5 + 0.5 * min(1.0, max(0.0, a.score - Z_THRESHOLD) / 16.0)
            found[(a.service, a.metric)] = Symptom(strength, a.start_ts, a.baseline, a.observed, a.score)
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
    patterns = tuple(p for p in (logs.patterns if logs else []) if p.level in ("ERROR", "WARN") and is_surging(p))
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
    )


def _metric_evidence(facts: Facts, service: str, metric: str) -> Evidence:
    sym = facts.symptoms[(service, metric)]
    if sym.score is None:
        text = f"detection saw {service} {metric} at {format_value(metric, sym.observed)}"
        return Evidence(kind="detection", service=service, metric=metric, observed=sym.observed, description=text)
    text = (
        f"{service} {metric} rose from {format_value(metric, sym.baseline or 0.0)} (baseline median) to "
        f"{format_value(metric, sym.observed)}, out of band from {utc(sym.start_ts)} (robust z {sym.score:.1f})"
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


def _metric_fit(sc: Score, facts: Facts) -> float:
    total = weight = 0.0
    callers = facts.topology.callers(sc.target)
    for cue in sc.sig.metric_cues:
        where = [sc.target] if cue.where == "self" else callers
        seen = [s for s in where if (s, cue.metric) in facts.observed or (s, cue.metric) in facts.symptoms]
        if not seen:
            continue  # not observable here: neither for nor against
        strength = sum(facts.strength(s, cue.metric) for s in seen) / len(seen)
        total, weight = total + cue.weight * strength, weight + cue.weight
        sc.primary |= cue.primary and strength > 0
        sc.evidence.extend(_metric_evidence(facts, s, cue.metric) for s in seen if facts.strength(s, cue.metric))
    return total / weight if weight else 0.0


def _log_strength(lines: int, pattern: LogPattern) -> float:
    volume = min(1.0, math.log1p(lines) / math.log1p(20))
    return (0.4 + 0.6 * volume) * (1.0 if pattern.is_new or pattern.surge >= 10 else 0.7)


def _lines_from(pattern: LogPattern, services: list[str]) -> int:
    if pattern.service_counts:
        return sum(pattern.service_counts.get(s, 0) for s in services)
    return pattern.count if set(services) & set(pattern.services) else 0


def _log_fit(sc: Score, facts: Facts) -> float:
    best_fit = 0.0
    top_weight = max((cue.weight for cue in sc.sig.log_cues), default=1.0)
    callers = facts.topology.callers(sc.target)
    for cue in sc.sig.log_cues:
        where = [sc.target] if cue.where == "self" else callers
        best: tuple[float, int, LogPattern] | None = None
        for p in facts.patterns:
            if not cue.matches(f"{p.template}\n{p.example}", p.level, sc.target):
                continue
            lines = _lines_from(p, where) if where else (p.count if cue.names_target else 0)
            if lines and (best is None or _log_strength(lines, p) > best[0]):
                best = (_log_strength(lines, p), lines, p)
        if best is None:
            continue
        strength, lines, p = best
        best_fit = max(best_fit, strength * cue.weight / top_weight)
        state = "new" if p.is_new else f"{p.surge:.1f}x the baseline rate"
        logged_by = ", ".join(s for s in p.services if s in where) or ", ".join(p.services)
        text = f"{cue.label}: '{p.template}' from {logged_by}, {lines} lines in the window ({state})"
        sc.evidence.append(
            Evidence(
                kind="log",
                service=logged_by.split(", ")[0],
                template=p.template,
                count=lines,
                baseline_count=p.baseline_count,
                window_start=facts.window[0],
                window_end=facts.window[1],
                description=text,
            )
        )
    sc.primary |= best_fit > 0
    return best_fit


def _signal_support(sc: Score, facts: Facts) -> float:
    near = {sc.target, *facts.topology.callers(sc.target)}
    matched = [s for s in facts.signals if s.rule in sc.sig.signal_rules and s.service in near]
    for s in matched[:2]:
        text = f"detection rule {s.rule} fired on {s.service} at {utc(s.ts)}: {s.message}".rstrip(": ")
        sc.evidence.append(
            Evidence(kind="detection", service=s.service, metric=s.metric, observed=s.value, description=text)
        )
    return 1.0 if matched else 0.0


def _graph_terms(sc: Score, facts: Facts) -> tuple[float, float, float, float]:
    """(coverage, against, sick callee, late onset) for one candidate."""
    topo, target, sig = facts.topology, sc.target, sc.sig
    upstream = topo.upstream_of(target)
    affected = {svc for svc, metric in facts.symptoms if metric in sig.explains}
    reach = {target} | (upstream if sig.propagates else set())
    coverage = len(affected & reach) / len(affected) if affected else 0.0
    against_metric = max(sig.against, key=lambda m: facts.strength(target, m), default=None)
    against = facts.strength(target, against_metric) if against_metric else 0.0
    if against > 0:
        sc.notes.append(f"but {target} {against_metric} also rose, which points further downstream")
    callees = [c for c in topo.callees(target) if c not in topo.external]
    sick = max(((facts.strength(c, m), c) for c in callees for m in sig.healthy_callees), default=(0.0, ""))
    if sick[0] > 0:
        sc.notes.append(f"but its callee {sick[1]} shows the same symptom")
    elif sig.healthy_callees and callees:
        text = f"callees of {target} ({', '.join(callees)}) stayed within their baselines"
        sc.evidence.append(Evidence(kind="topology", service=target, description=text))
    explained_callers = sorted((affected & upstream) - {target}) if sig.propagates else []
    if explained_callers and coverage == 1.0:
        text = f"symptoms in {', '.join(explained_callers)} are explained: they depend on {target}"
        sc.evidence.append(Evidence(kind="topology", service=target, description=text))
    return coverage, against, sick[0], _late_onset(sc, facts, affected & upstream)


def _late_onset(sc: Score, facts: Facts, upstream_affected: set[str]) -> float:
    located_at_callers = any(cue.where == "callers" for cue in sc.sig.metric_cues)
    own = {sc.target} | (set(facts.topology.callers(sc.target)) if located_at_callers else set())
    starts: dict[str, float] = {}
    for (svc, metric), symptom in facts.symptoms.items():
        if metric in sc.sig.explains and svc in own | upstream_affected:
            starts[svc] = min(starts.get(svc, math.inf), symptom.start_ts)
    own_start = min((starts[s] for s in own if s in starts), default=None)
    others = [starts[s] for s in upstream_affected - own if s in starts]
    if own_start is None or not others or min(others) >= own_start - max(1.5 * facts.step, 2.0):
        return 0.0
    sc.notes.append("but services upstream went bad before it")
    return 1.0


def score_candidate(target: str, sig: Signature, facts: Facts) -> Score | None:
    """The score of ``sig.kind`` on ``target``, or None when no primary cue of the kind is present."""
    sc = Score(target=target, sig=sig)
    metric_fit = _metric_fit(sc, facts)
    log_fit = _log_fit(sc, facts)
    if not facts.logs_available and any(s.metric is None and s.rule in sig.signal_rules for s in facts.signals):
        log_fit = max(log_fit, SIGNAL_STRENGTH)
        sc.primary = True
    if not sc.primary:
        return None
    signal = _signal_support(sc, facts)
    coverage, against, callee, late = _graph_terms(sc, facts)
    sc.total = (
        W_METRIC * metric_fit
        + W_LOG * log_fit
        + W_COVERAGE * coverage
        + W_SIGNAL * signal
        - W_AGAINST * against
        - W_CALLEE * callee
        - W_ONSET * late
    )
    return sc


def confidences(totals: list[float]) -> list[float]:
    """Softmax of the scores with a ``NULL_SCORE`` alternative, capped at ``MAX_CONFIDENCE``."""
    if not totals:
        return []
    top = max([*totals, NULL_SCORE])
    weights = [math.exp(t - top) for t in totals]
    norm = sum(weights) + math.exp(NULL_SCORE - top)
    return [min(MAX_CONFIDENCE, w / norm) for w in weights]


def _hypothesis(sc: Score, confidence: float) -> Hypothesis:
    where = "external dependency " if sc.sig.locations == frozenset({"external"}) else ""
    facts_text = "; ".join(e.description for e in sc.evidence[:2])
    notes = f"; {'; '.join(sc.notes)}" if sc.notes else ""
    return Hypothesis(
        service=sc.target,
        kind=sc.sig.kind,
        confidence=round(confidence, 3),
        summary=f"{sc.sig.label.capitalize()} in {where}{sc.target}: {facts_text}{notes}.",
        evidence=sc.evidence[:MAX_EVIDENCE],
    )


def rank(facts: Facts, pairs: list[tuple[str, Signature]]) -> list[Hypothesis]:
    """Hypotheses best first, with confidences normalised across all scored candidates."""
    scored = [sc for target, sig in pairs if (sc := score_candidate(target, sig, facts)) is not None]
    scored.sort(key=lambda sc: (-sc.total, sc.target, sc.sig.kind))
    ranked = [_hypothesis(sc, p) for sc, p in zip(scored, confidences([sc.total for sc in scored]), strict=True)]
    return [h for h in ranked if h.confidence >= MIN_CONFIDENCE][:MAX_HYPOTHESES]


def usable(upstream: Mapping[str, AgentOutput], name: str, model: type[OutputT]) -> tuple[OutputT | None, str]:
    """The output of agent ``name`` when it ran and did not fail, else None and why, as a phrase that
    follows the agent's name: ``did not run`` or ``failed: <its error>``."""
    out = upstream.get(name)
    if out is None:
        return None, "did not run"
    if out.status == "error" or not isinstance(out, model):
        return None, f"failed: {out.error or f'no usable output ({type(out).__name__})'}"
    return out, ""


def _no_cause_reason(facts: Facts, pairs: list[tuple[str, Signature]], gaps: list[str]) -> str:
    span = f"{utc(facts.window[0])} to {utc(facts.window[1])}"
    missing = f" ({'; '.join(gaps)})" if gaps else ""
    if not pairs:
        return f"No fault kind of the catalogue has a known signature, so no cause can be scored{missing}."
    if not facts.symptoms and not facts.patterns:
        return (
            f"No cause found: no metric left its baseline and no error or warning log pattern is new or surging "
            f"between {span}{missing}."
        )
    rising = sorted({f"{svc} {metric}" for svc, metric in facts.symptoms})[:6]
    return (
        f"No cause found: anomalies ({', '.join(rising) or 'log patterns only'}) between {span} match no known "
        f"fault signature ({', '.join(sorted({sig.kind for _, sig in pairs}))}){missing}."
    )


class RootCauseAgent:
    """Names the most likely (service, fault kind) with calibrated confidence and the evidence behind it."""

    name: ClassVar[str] = "root_cause"
    depends_on: ClassVar[tuple[str, ...]] = ("monitoring", "log_analysis")
    output_model: ClassVar[type[AgentOutput]] = RootCauseOutput

    def analyze(self, ctx: AnalysisContext, upstream: Mapping[str, AgentOutput]) -> RootCauseOutput:
        """Ranked hypotheses, or none with ``no_cause_reason`` when the evidence supports no cause."""
        monitoring, metric_gap = usable(upstream, "monitoring", MonitoringOutput)
        logs, log_gap = usable(upstream, "log_analysis", LogAnalysisOutput)
        gaps = [f"{name} {gap}" for name, gap in (("monitoring", metric_gap), ("log_analysis", log_gap)) if gap]
        if monitoring is None and logs is None and not ctx.incident.signals:
            return RootCauseOutput(status="error", error=f"no evidence to analyse: {'; '.join(gaps)}")
        facts = gather(ctx, monitoring, logs)
        pairs = catalogue.candidates(ctx.topology, ctx.catalogue, ctx.signatures)
        hypotheses = rank(facts, pairs)
        partial = f" Partial evidence: {'; '.join(gaps)}." if gaps else ""
        if not hypotheses:
            reason = _no_cause_reason(facts, pairs, gaps)
            return RootCauseOutput(summary=reason, no_cause_reason=reason)
        top = hypotheses[0]
        others = ", ".join(f"{h.kind} on {h.service} ({h.confidence:.0%})" for h in hypotheses[1:3])
        summary = f"Most likely: {top.kind} on {top.service} ({top.confidence:.0%} confidence)."
        if others:
            summary += f" Alternatives: {others}."
        return RootCauseOutput(summary=summary + partial, hypotheses=hypotheses)
