"""Building the ``ReportView`` from the agents' outputs: once by the reporter agent (with the impact and the
timeline it measures), completed by the supervisor with every agent's state and the analysis' status."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from core.catalogue import Signature, signature_for
from core.log_patterns import is_surging
from core.log_patterns.notable import NOTABLE_LEVELS
from core.models import (
    AgentOutput,
    Incident,
    InjectedFault,
    LogAnalysisOutput,
    LogPattern,
    MitigationOutput,
    MonitoringOutput,
    RootCauseOutput,
    TimelineEvent,
)
from core.report.detection import Detection, detection_of
from core.report.revision import MAX_NEW_EVIDENCE, Changes, Revising, cause_key, evidence_key
from core.report.view import (
    Actions,
    Gap,
    Impact,
    LogFindings,
    ReportView,
    ResultStatus,
    RootCauseFindings,
    causes_of,
)

MAX_PATTERN_ROWS = 15  # patterns a report lists
ROUTINE_PATTERN_ROWS = 5  # routine patterns listed when nothing stands out
#: The agents whose outputs a report is made of, in report order.
ANALYSTS: tuple[str, ...] = ("monitoring", "log_analysis", "root_cause", "mitigation")

OutputT = TypeVar("OutputT", bound=AgentOutput)


@dataclass(frozen=True)
class Findings:
    """The usable outputs of the four analysis agents, and a gap for each one that has none."""

    monitoring: MonitoringOutput | None = None
    log_analysis: LogAnalysisOutput | None = None
    root_cause: RootCauseOutput | None = None
    mitigation: MitigationOutput | None = None
    gaps: tuple[Gap, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, outputs: Mapping[str, AgentOutput]) -> Findings:
        """The outputs that ran, did not fail and have their agent's type; the others become gaps."""
        gaps: list[Gap] = []

        def usable(name: str, model: type[OutputT]) -> OutputT | None:
            out = outputs.get(name)
            if isinstance(out, model) and out.status != "error":
                return out
            why = None if out is None else out.error or f"no usable output ({type(out).__name__})"
            gaps.append(Gap(agent=name, error=why))
            return None

        return cls(
            monitoring=usable("monitoring", MonitoringOutput),
            log_analysis=usable("log_analysis", LogAnalysisOutput),
            root_cause=usable("root_cause", RootCauseOutput),
            mitigation=usable("mitigation", MitigationOutput),
            gaps=tuple(gaps),
        )


def listed(patterns: Sequence[LogPattern]) -> list[str]:
    """Template ids of the patterns a report lists: error and warning patterns and the new or surging ones, at
    most ``MAX_PATTERN_ROWS``; the first ``ROUTINE_PATTERN_ROWS`` routine ones when nothing stands out."""
    chosen = [p for p in patterns if p.level in NOTABLE_LEVELS or is_surging(p)]
    return [p.template_id for p in (chosen or patterns[:ROUTINE_PATTERN_ROWS])[:MAX_PATTERN_ROWS]]


def labels(kinds: Sequence[str], signatures: Mapping[str, Signature] | None = None) -> dict[str, str]:
    """The label of each kind: from ``signatures`` (offline analysis names its own kinds), else the catalogue."""
    found = {kind: (signatures or {}).get(kind) or signature_for(kind) for kind in kinds}
    return {kind: signature.label for kind, signature in found.items() if signature is not None}


def log_findings(output: LogAnalysisOutput) -> LogFindings:
    """The log-analysis output as the report keeps it, with the patterns it lists chosen."""
    return LogFindings(
        patterns=output.patterns,
        listed=listed(output.patterns),
        summary=output.summary,
        total_lines=output.total_lines,
        error_lines=output.error_lines,
    )


def root_cause_findings(output: RootCauseOutput, signatures: Mapping[str, Signature] | None) -> RootCauseFindings:
    """The root-cause output with each kind named."""
    named = labels([h.kind for h in output.hypotheses], signatures)
    return RootCauseFindings(
        causes=causes_of(output.hypotheses, named),
        no_cause_reason=output.no_cause_reason,
        summary=output.summary,
        feedback_note=output.feedback_note,
    )


def build_view(
    incident: Incident,
    findings: Findings,
    *,
    impact: Impact | None = None,
    timeline: Sequence[TimelineEvent] = (),
    signatures: Mapping[str, Signature] | None = None,
    faults: Sequence[InjectedFault] = (),
) -> ReportView:
    """The report of ``findings``; without ``impact`` it states the incident's own services and times, and
    without ``timeline`` it uses the monitoring agent's (the detection signals when monitoring failed); the
    ``faults`` injected around the incident give the detection delay from the fault it explains."""
    monitoring, logs, mitigation = findings.monitoring, findings.log_analysis, findings.mitigation
    base = ReportView.pending(incident)
    view = base.model_copy(
        update={
            "impact": impact or base.impact,
            "timeline": list(timeline) or (monitoring.timeline if monitoring else base.timeline),
            "anomalies": monitoring.anomalies if monitoring else [],
            "root_cause": root_cause_findings(findings.root_cause, signatures) if findings.root_cause else None,
            "logs": log_findings(logs) if logs else None,
            "actions": Actions(immediate=mitigation.immediate, long_term=mitigation.long_term) if mitigation else None,
            "gaps": list(findings.gaps),
        }
    )
    return view.model_copy(update={"detection": detection(view, faults)})


def detection(view: ReportView, faults: Sequence[InjectedFault] = ()) -> Detection:
    """Both detection delays of ``view``'s incident, from its findings and the ``faults`` injected around it."""
    return detection_of(
        view.header,
        view.impact,
        top=view.top_cause,
        anomalies=view.anomalies,
        timeline=view.timeline,
        patterns=view.listed_patterns(),
        faults=faults,
    )


def finish(
    view: ReportView,
    outputs: Mapping[str, AgentOutput],
    order: Sequence[str],
    *,
    analysis_id: str,
    status: ResultStatus,
    generated_at: float,
) -> ReportView:
    """``view`` with the state of every agent (in ``order``), a gap for each that failed or did not run, and the
    analysis' id, status and end time: the view stored with the incident."""
    envelope = set(AgentOutput.model_fields)  # what every agent's output has: status, error, summary, llm
    agents = {
        name: AgentOutput.model_validate(out.model_dump(include=envelope))
        for name in order
        if (out := outputs.get(name)) is not None
    }
    gaps = [Gap(agent=name, error=state.error or "failed") for name, state in agents.items() if state.status == "error"]
    gaps += [g for g in view.gaps if g.agent not in agents]  # agents that did not run at all
    return view.model_copy(
        update={
            "agents": agents,
            "gaps": gaps,
            "analysis_id": analysis_id,
            "status": status,
            "generated_at": generated_at,
        }
    )


def compare(previous: ReportView, current: ReportView, previous_revision: int) -> Changes:
    """What ``current`` changed against ``previous``: the top cause, its confidence, the top cause's evidence
    that ``previous`` cited for no cause, and the affected services it did not name."""
    before, now = previous.top_cause, current.top_cause
    cited = {evidence_key(e) for cause in previous.causes for e in cause.evidence}
    fresh = [e.description for e in (now.evidence if now else []) if evidence_key(e) not in cited]
    return Changes(
        previous_revision=previous_revision,
        previous_service=before.service if before else None,
        previous_kind=before.kind if before else None,
        previous_confidence=before.confidence if before else None,
        top_changed=cause_key(before) != cause_key(now),
        new_evidence=fresh[:MAX_NEW_EVIDENCE],
        new_services=sorted(set(current.impact.services) - set(previous.impact.services)),
    )


def revised(view: ReportView, revising: Revising | None) -> ReportView:
    """``view`` as the revision ``revising`` describes, with what changed since the earlier one; its
    ``generated_at`` is the analysis' start until ``finish`` sets its end. ``view`` as it is for None."""
    if revising is None:
        return view
    previous = revising.previous
    changes = compare(previous, view, revising.number - 1) if previous is not None and revising.number > 1 else None
    update = {"revision": revising.number, "reason": revising.reason, "changes": changes, "generated_at": revising.at}
    return view.model_copy(update=update)
