"""RootCauseAgent: ranks (service, fault kind) hypotheses from the kinds' signatures, the call graph and the logs.

Each (target, kind) pair of the catalogue is scored in evidence units (``rca_scoring``) from the facts of
the incident (``rca_facts``). Candidates that explain the same symptoms compete: within such a group the
confidence is a softmax of the scores plus a constant "something else" alternative (the null score), so
thin evidence or two explanations that fit equally well both lower it. A candidate resting on symptoms
that no better candidate explains is an additional, independent cause (two faults at once) and competes
in a group of its own. The softmax's temperature and null score are fitted on the RCA benchmark
(``calibration``); a recalibration fitted on responders' verdicts, when one is stored, maps the result
(``recalibration``); and a confidence never exceeds ``MAX_CONFIDENCE``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, TypeVar

from core import catalogue
from core.agents.base import AnalysisContext
from core.agents.calibration import group_probabilities
from core.agents.rca_facts import Facts, gather
from core.agents.rca_scoring import Score, score_candidate
from core.agents.recalibration import PlattMap
from core.catalogue import Signature
from core.memory.feedback_prior import Shift, feedback_shifts
from core.memory.fingerprint import evidence_print
from core.models import AgentOutput, Hypothesis, LogAnalysisOutput, MonitoringOutput, RootCauseOutput, Signal
from core.report.build import listed
from core.semantics import family
from core.units import utc

MAX_CONFIDENCE = 0.95
MIN_CONFIDENCE = 0.01  # hypotheses below this are not reported
MAX_HYPOTHESES = 5
MAX_EVIDENCE = 10
#: Order hypotheses group by group, the group with the strongest evidence first; a lone independent cause
#: has a high confidence only because nothing competes with it, which does not make it the likeliest.
GROUPS_BY_EVIDENCE = True

OutputT = TypeVar("OutputT", bound=AgentOutput)


def groups(scored: list[Score], *, graph: bool = True) -> list[int]:
    """Competition group of each candidate (best first): a candidate competes with the first group whose
    leader sits on the same service or explains every symptom it rests on; one that rests on a symptom
    no leader explains is an additional, independent cause and leads a group of its own (two faults).
    Without a call graph (``graph`` False: a CSV of metrics) nothing says what explains what, so every
    candidate competes with every other."""
    if not graph:
        return [0] * len(scored)
    leaders: list[Score] = []
    out = []
    for sc in scored:
        home = next(
            (
                i
                for i, lead in enumerate(leaders)
                if sc.target == lead.target or all(lead.explains(anchor, sc) for anchor in sc.anchors)
            ),
            None,
        )
        if home is None:
            home = len(leaders)
            leaders.append(sc)
        out.append(home)
    return out


def confidences(
    scored: list[Score], *, graph: bool = True, recalibration: PlattMap | None = None
) -> tuple[list[float], list[int], list[float]]:
    """(confidence, group, base confidence) per candidate: the calibrated softmax within each competing group
    (``calibration``) capped at ``MAX_CONFIDENCE`` (the base), then mapped by ``recalibration`` when given and
    capped again."""
    group_of = groups(scored, graph=graph)
    confidence, base = [0.0] * len(scored), [0.0] * len(scored)
    for group in set(group_of):
        members = [i for i, g in enumerate(group_of) if g == group]
        capped = [min(MAX_CONFIDENCE, p) for p in group_probabilities([scored[i].total for i in members], group)]
        mapped = recalibration.group(capped) if recalibration else capped
        for i, p, q in zip(members, capped, mapped, strict=True):
            base[i], confidence[i] = p, min(MAX_CONFIDENCE, q)
    return confidence, group_of, base


def _headline(sig: Signature, target: str, where: str) -> str:
    """How the report names the kind on ``target``: its own headline, else "<Label> in <target>"."""
    if sig.headline:
        return sig.headline.replace("{service}", target)
    return f"{sig.label[:1].upper()}{sig.label[1:]} in {where}{target}"


def _hypothesis(sc: Score, confidence: float, group: int, base: float | None) -> Hypothesis:
    where = "external dependency " if sc.sig.locations == frozenset({"external"}) else ""
    facts_text = "; ".join(e.description for e in sc.evidence[:2])
    notes = f"; {'; '.join(sc.notes)}" if sc.notes else ""
    return Hypothesis(
        service=sc.target,
        kind=sc.sig.kind,
        confidence=round(confidence, 3),
        group=group,
        score=round(sc.total, 3),
        base_confidence=None if base is None else round(base, 3),
        summary=f"{_headline(sc.sig, sc.target, where)}: {facts_text}{notes}.",
        evidence=sc.evidence[:MAX_EVIDENCE],
    )


def explains_alert(sc: Score, alert: Signal | None) -> bool:
    """True when the candidate, as the cause, accounts for what the alert reported: a symptom of the alerted
    service (of the alerted metric's kind, when the alert names one) that the candidate explains."""
    if alert is None:
        return False
    wanted = family(alert.metric) if alert.metric else None
    return any(svc == alert.service and (wanted is None or family(m) == wanted) for svc, m in sc.explained)


def _shifted(scored: list[Score], shifts: Mapping[tuple[str, str], Shift]) -> None:
    """Add each candidate's feedback shift to its score, with a note naming the incidents behind it."""
    for sc in scored:
        shift = shifts.get((sc.sig.kind, sc.target))
        if shift is None:
            continue
        sc.total += shift.units
        said = [f"confirmed on {len(shift.confirmed)}"] if shift.confirmed else []
        said += [f"marked wrong on {len(shift.rejected)}"] if shift.rejected else []
        sc.notes.append(f"feedback: {' and '.join(said)} similar incident(s) ({shift.units:+.2f} units)")


def rank(
    facts: Facts,
    pairs: list[tuple[str, Signature]],
    shifts: Mapping[tuple[str, str], Shift] | None = None,
    recalibration: PlattMap | None = None,
) -> list[Hypothesis]:
    """Hypotheses, each with its calibrated confidence (see ``confidences``): the group with the strongest
    evidence first, most probable first within a group; an independent cause follows the main group even
    when nothing competes with it (a lone candidate is not thereby the likeliest). With a call graph and an
    alert, the candidates that explain what the alert reported come first (they are the main group).
    ``shifts`` (``core.memory.feedback_prior``) move scores by what responders said about similar incidents;
    ``recalibration`` maps the confidences (each hypothesis keeps its ``base_confidence``) without reordering."""
    scored = [sc for target, sig in pairs if (sc := score_candidate(target, sig, facts)) is not None]
    if shifts:
        _shifted(scored, shifts)
    alert = facts.alert if facts.topology.edges else None
    first = {id(sc) for sc in scored if explains_alert(sc, alert)}
    scored.sort(key=lambda sc: (id(sc) not in first, -sc.total, sc.target, sc.sig.kind))
    calibrated, group_of, base = confidences(scored, graph=bool(facts.topology.edges), recalibration=recalibration)
    ranked = [
        (id(sc) not in first, _hypothesis(sc, confidence, group, p if recalibration else None))
        for sc, confidence, group, p in zip(scored, calibrated, group_of, base, strict=True)
    ]
    ranked.sort(key=lambda pair: (pair[0], pair[1].group if GROUPS_BY_EVIDENCE else 0, -pair[1].confidence))
    return [h for _, h in ranked if h.confidence >= MIN_CONFIDENCE][:MAX_HYPOTHESES]


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
    span = f"{utc(facts.window[0])} and {utc(facts.window[1])}"
    missing = f" ({'; '.join(gaps)})" if gaps else ""
    if not pairs:
        return f"No fault kind of the catalogue has a known signature, so no cause can be scored{missing}."
    if not facts.symptoms and not any(p.level in ("ERROR", "WARN") for p in facts.patterns):
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
        pairs += catalogue.detected_candidates(ctx.incident.signals)
        shifts = _feedback_shifts(ctx, monitoring, logs)
        hypotheses = rank(facts, pairs, shifts, ctx.recalibration)
        partial = f" Partial evidence: {'; '.join(gaps)}." if gaps else ""
        if not hypotheses:
            reason = _no_cause_reason(facts, pairs, gaps)
            return RootCauseOutput(summary=reason, no_cause_reason=reason)
        note = _feedback_note(rank(facts, pairs), hypotheses, shifts) if shifts else None
        return RootCauseOutput(summary=_summary(hypotheses) + partial, hypotheses=hypotheses, feedback_note=note)


def _feedback_shifts(
    ctx: AnalysisContext, monitoring: MonitoringOutput | None, logs: LogAnalysisOutput | None
) -> dict[tuple[str, str], Shift]:
    """The score shifts that verdicts on incidents similar to this one's evidence call for (none without any)."""
    if not ctx.precedents:
        return {}
    evidence = evidence_print(
        ctx.incident, monitoring.anomalies if monitoring else [], listed(logs.patterns) if logs else []
    )
    return feedback_shifts(
        evidence,
        ctx.precedents,
        threshold=ctx.settings.similarity_threshold,
        max_boost=ctx.settings.feedback_max_boost,
    )


def _feedback_note(
    plain: list[Hypothesis], ranked: list[Hypothesis], shifts: Mapping[tuple[str, str], Shift]
) -> str | None:
    """A sentence saying how feedback changed the top cause, None when the top cause is the same without it."""
    if not ranked or (plain and (plain[0].kind, plain[0].service) == (ranked[0].kind, ranked[0].service)):
        return None
    top = ranked[0]
    before = f"{plain[0].kind} on {plain[0].service}" if plain else "no cause"
    raised = shifts.get((top.kind, top.service))
    lowered = shifts.get((plain[0].kind, plain[0].service)) if plain else None
    why = []
    if raised and raised.confirmed:
        why.append(f"confirmed it on {len(raised.confirmed)}")
    if lowered and lowered.rejected:
        why.append(f"marked {before} wrong on {len(lowered.rejected)}")
    said = " and ".join(why) or "weighed other causes"
    return (
        f"Feedback counted: {top.kind} on {top.service} ranks first because responders {said} similar "
        f"incident(s); the evidence alone ranked {before} first."
    )


def _summary(hypotheses: list[Hypothesis]) -> str:
    """One paragraph: the most likely cause, any additional independent cause, then the alternatives."""

    def named(h: Hypothesis) -> str:
        return f"{h.kind} on {h.service} ({h.confidence:.0%})"

    top = hypotheses[0]
    also = [h for h in hypotheses[1:] if h.group != top.group and h.confidence >= 0.5]
    alternatives = [h for h in hypotheses[1:] if h not in also][:2]
    summary = f"Most likely: {top.kind} on {top.service} ({top.confidence:.0%} confidence)."
    if also:
        summary += f" At the same time, independently: {', '.join(named(h) for h in also)}."
    if alternatives:
        summary += f" Alternatives: {', '.join(named(h) for h in alternatives)}."
    return summary
