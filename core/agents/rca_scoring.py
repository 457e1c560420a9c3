"""Scores one (target, kind) candidate against the facts, in evidence units::

    3·metric fit + 2·log fit + 1·coverage + 0.5·detection
    − 2.5·(against + contrary logs) − 2.5·sick callee − 1·late onset − 3·missing required logs

*metric fit* and *log fit* (0..1) say how much of the kind's signature is present on the target (or on its
callers or callees, as each cue says); *coverage* is the share of services with the kind's symptoms that
the target can explain (itself and, for kinds that propagate, everything upstream of it, or downstream
for load); *against* is a rise on the target that points elsewhere (dependency errors, slow queries,
more traffic), *contrary logs* a log feature that does (a deploy event against a plain error spike);
*sick callee* is a callee showing the same symptom (then the callee is the better culprit); *late onset*
is a service upstream that went bad clearly before the target; *missing required logs* is a kind's
defining log feature (a bad deploy's deploy event) not in the logs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from core.agents.rca_facts import SIGNAL_STRENGTH, Facts, metric_evidence
from core.catalogue import LogCue, Signature
from core.models import Evidence, LogPattern, Topology
from core.units import utc

W_METRIC, W_LOG, W_COVERAGE, W_SIGNAL = 3.0, 2.0, 1.0, 0.5
W_AGAINST, W_CALLEE, W_ONSET, W_MISSING = 2.5, 2.5, 1.0, 3.0
LATE_SAMPLES = 0.5  # with a known onset, a candidate whose symptoms begin this many samples after it is late


@dataclass
class Score:
    """One candidate's score, its parts, and the evidence behind them."""

    target: str
    sig: Signature
    total: float = 0.0
    primary: bool = False
    evidence: list[Evidence] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    anchors: set[tuple[str, str]] = field(default_factory=set)  # symptoms its primary cues rest on
    matched_logs: set[str] = field(default_factory=set)  # labels of the log cues that matched
    reach: set[str] = field(default_factory=set)  # services whose symptoms it can explain

    def explains(self, anchor: tuple[str, str], other: Score) -> bool:
        """True when this candidate, as the cause, accounts for ``anchor`` of ``other``: a metric symptom it
        explains, or a log feature of the same kind on a service it reaches when the kind's log symptoms
        travel to callers (slow calls do; a deploy event or CPU throttling stays where it happened)."""
        if anchor in self.explained:
            return True
        travels = any(cue.where == "callers" for cue in self.sig.log_cues)
        same_kind = other.sig.kind == self.sig.kind
        return travels and same_kind and anchor[1].startswith("log:") and anchor[0] in self.reach

    explained: set[tuple[str, str]] = field(default_factory=set)  # symptoms it accounts for, if it is the cause


def _neighbours(target: str, where: str, topology: Topology) -> list[str]:
    """The services a cue looks at: the target itself, its callers, or its (internal) callees."""
    if where == "self":
        return [target]
    if where == "callers":
        return topology.callers(target)
    return [c for c in topology.callees(target) if c not in topology.external]


def _metric_fit(sc: Score, facts: Facts) -> float:
    total = weight = 0.0
    for cue in sc.sig.metric_cues:
        where = _neighbours(sc.target, cue.where, facts.topology)
        seen = [s for s in where if (s, cue.metric) in facts.observed or (s, cue.metric) in facts.symptoms]
        if not seen:
            continue  # not observable here: neither for nor against
        strength = sum(facts.strength(s, cue.metric) for s in seen) / len(seen)
        total, weight = total + cue.weight * strength, weight + cue.weight
        sc.primary |= cue.primary and strength > 0
        if cue.primary:
            sc.anchors.update((s, cue.metric) for s in seen if facts.strength(s, cue.metric))
        sc.evidence.extend(metric_evidence(facts, s, cue.metric) for s in seen if facts.strength(s, cue.metric))
    return total / weight if weight else 0.0


def _log_strength(lines: int, pattern: LogPattern) -> float:
    volume = min(1.0, math.log1p(lines) / math.log1p(20))
    return (0.4 + 0.6 * volume) * (1.0 if pattern.is_new or pattern.surge >= 10 else 0.7)


def _lines_from(pattern: LogPattern, services: list[str]) -> int:
    if pattern.service_counts:
        return sum(pattern.service_counts.get(s, 0) for s in services)
    return pattern.count if set(services) & set(pattern.services) else 0


def _best_pattern(cue: LogCue, sc: Score, facts: Facts) -> tuple[float, int, LogPattern] | None:
    """(strength, lines, pattern) of the new or surging pattern that shows ``cue`` most, or None; an event cue
    reads the patterns absent from the baseline, each at full strength (one deploy line is the whole event)."""
    where = _neighbours(sc.target, cue.where, facts.topology)
    best: tuple[float, int, LogPattern] | None = None
    for p in facts.events if cue.event else facts.patterns:
        if not cue.matches(f"{p.template}\n{p.example}", p.level, sc.target):
            continue
        lines = _lines_from(p, where) if where else (p.count if cue.names_target else 0)
        strength = 1.0 if cue.event else _log_strength(lines, p)
        if lines and strength and (best is None or strength > best[0]):
            best = (strength, lines, p)
    return best


def _log_fit(sc: Score, facts: Facts) -> float:
    best_fit = 0.0
    top_weight = max((cue.weight for cue in sc.sig.log_cues), default=1.0)
    for cue in sc.sig.log_cues:
        where = _neighbours(sc.target, cue.where, facts.topology)
        best = _best_pattern(cue, sc, facts)
        if best is None:
            continue
        sc.matched_logs.add(cue.label)
        strength, lines, p = best
        sc.primary |= cue.primary
        if cue.where == "self":  # its own log lines are a symptom only it may explain
            sc.anchors.add((sc.target, f"{'event' if cue.event else 'log'}:{p.template_id}"))
        best_fit = max(best_fit, strength * cue.weight / top_weight)
        state = (
            "new"
            if p.is_new
            else "not in the baseline"
            if p.baseline_count == 0
            else f"{p.surge:.1f}x the baseline rate"
        )
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
    return best_fit


def _signal_support(sc: Score, facts: Facts) -> float:
    near = {sc.target, *facts.topology.callers(sc.target)}
    cue_metrics = {cue.metric for cue in sc.sig.metric_cues}
    matched = [
        s
        for s in facts.signals
        if s.service in near and (s.rule in sc.sig.signal_rules or (s.rule == "anomaly" and s.metric in cue_metrics))
    ]
    for s in matched[:2]:
        text = f"detection rule {s.rule} fired on {s.service} at {utc(s.ts)}: {s.message}".rstrip(": ")
        sc.evidence.append(
            Evidence(kind="detection", service=s.service, metric=s.metric, observed=s.value, description=text)
        )
    return 1.0 if matched else 0.0


def _graph_terms(sc: Score, facts: Facts) -> tuple[float, float, float, float]:
    """(coverage, against, sick callee, late onset) for one candidate."""
    topo, target, sig = facts.topology, sc.target, sc.sig
    upstream = topo.upstream_of(target) if sig.direction == "up" else topo.downstream_of(target)
    affected = {svc for svc, metric in facts.symptoms if metric in sig.explains and metric not in sig.local}
    if sig.additive:  # what adds up along calls reaches a caller only through callers that show it
        upstream = _through(target, affected, topo)
    reach = {target} | (upstream if sig.propagates else set())
    coverage = _coverage(sc, facts, affected, reach)
    sc.reach = reach
    sc.explained = {
        (svc, metric)
        for svc, metric in facts.symptoms
        if metric in sig.explains and svc in reach and (svc == target or metric not in sig.local)
    }
    sc.explained |= sc.anchors
    against_metric = max(sig.against, key=lambda m: facts.strength(target, m), default=None)
    against = facts.strength(target, against_metric) if against_metric else 0.0
    if against > 0:
        sc.notes.append(f"but {target} {against_metric} also rose, which points further downstream")
    callees = [c for c in topo.callees(target) if c not in topo.external]
    sick = max(((_sick(facts, c, m, sc), c) for c in callees for m in sig.healthy_callees), default=(0.0, ""))
    if sick[0] > 0:
        sc.notes.append(f"but its callee {sick[1]} shows the same symptom")
    elif sig.healthy_callees and callees:
        text = f"callees of {target} ({', '.join(callees)}) stayed within their baselines"
        sc.evidence.append(Evidence(kind="topology", service=target, description=text))
    explained_callers = sorted((affected & upstream) - {target}) if sig.propagates else []
    if explained_callers and coverage == 1.0:
        how = f"they depend on {target}" if sig.direction == "up" else f"{target} sends them its traffic"
        text = f"symptoms in {', '.join(explained_callers)} are explained: {how}"
        sc.evidence.append(Evidence(kind="topology", service=target, description=text))
    late = _late_onset(sc, facts, affected & upstream) if sig.direction == "up" else 0.0
    return coverage, against, sick[0], max(late, _late_start(sc, facts))


def _through(target: str, affected: set[str], topology: Topology) -> set[str]:
    """The transitive callers of ``target`` reached through callers in ``affected`` only."""
    seen: set[str] = set()
    stack = [target]
    while stack:
        for caller in topology.callers(stack.pop()):
            if caller in affected and caller not in seen:
                seen.add(caller)
                stack.append(caller)
    return seen


def _coverage(sc: Score, facts: Facts, affected: set[str], reach: set[str]) -> float:
    """Share of the affected services the candidate reaches; for an additive kind each caller counts for
    the share of its rise that the candidate's own rise accounts for."""
    if not affected:
        return 0.0
    if not sc.sig.additive:
        return len(affected & reach) / len(affected)
    spread = sc.sig.explains - sc.sig.local
    weights = [1.0 if svc == sc.target else facts.share(sc.target, svc, spread) for svc in affected & reach]
    return sum(weights) / len(affected)


def _sick(facts: Facts, callee: str, metric: str, sc: Score) -> float:
    """How sick ``callee`` is in ``metric``; for an additive kind, times the share of the candidate's rise
    that the callee's rise accounts for (a callee 5 ms slower does not explain a caller 500 ms slower)."""
    strength = facts.strength(callee, metric)
    if not strength or not sc.sig.additive:
        return strength
    return strength * facts.share(callee, sc.target, sc.sig.healthy_callees)


def _late_start(sc: Score, facts: Facts) -> float:
    """1 when the incident's onset is known and every metric symptom the candidate rests on began a sample
    or more after it (a consequence, or another event: a cause shows from the start), else 0."""
    own = [facts.symptoms[a].start_ts for a in sc.anchors if a in facts.symptoms and a[0] == sc.target]
    onset = facts.onset
    if not own or onset is None or min(own) < onset + LATE_SAMPLES * facts.step:
        return 0.0
    sc.notes.append("but its symptoms began after the incident's onset")
    return 1.0


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
    if any(s.service == target and s.rule in sig.detected_by for s in facts.signals):  # a kind only detection sees
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
        - W_AGAINST * (against + _log_against(sc, facts))
        - W_CALLEE * callee
        - W_ONSET * late
        - W_MISSING * _missing_logs(sc, facts)
    )
    return sc


def _log_against(sc: Score, facts: Facts) -> float:
    """Strength (0..1) of a log feature on the target that points at another kind (a deploy for errors)."""
    found = [(best, cue) for cue in sc.sig.against_logs if (best := _best_pattern(cue, sc, facts)) is not None]
    if not found:
        return 0.0
    (strength, _, pattern), cue = max(found, key=lambda item: item[0][0])
    sc.notes.append(f"but {cue.label} in the logs ('{pattern.template}') points at another cause")
    return strength


def _missing_logs(sc: Score, facts: Facts) -> float:
    """1 when the kind needs a log feature (its deploy event, say) that the logs do not show, else 0."""
    if not sc.sig.required_logs or not facts.logs_available:
        return 0.0
    missing = [label for label in sc.sig.required_logs if label not in sc.matched_logs]
    if not missing:
        return 0.0
    sc.notes.append(f"but no {', '.join(missing)} in the logs")
    return 1.0
