"""ReporterAgent: the incident's ``ReportView`` and its Markdown from the four other agents' outputs (partial
when one failed), with the impact and the timeline it measures in the incident's data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from core.agents.base import AnalysisContext
from core.agents.mitigation import affected_services
from core.agents.monitoring import merge_timeline, prepare, signal_events, thresholds
from core.log_patterns import notable
from core.memory.fingerprint import fingerprint_of
from core.memory.precedent import SimilarIncident, similar_incidents
from core.models import (
    CPU_PERCENT,
    ERROR_RATE,
    LATENCY_P95_MS,
    MEMORY_MB,
    REQUEST_RATE,
    AgentOutput,
    LogAnalysisOutput,
    MonitoringOutput,
    ReportOutput,
    TimelineEvent,
)
from core.report.build import Findings, build_view, revised
from core.report.markdown import render_markdown
from core.report.view import Impact, ReportView


def _peaks(ctx: AnalysisContext, metrics: list[str]) -> dict[str, tuple[str, float]]:
    """Highest window value per metric, with the service that reached it."""
    try:
        frame = prepare(ctx.metrics, ctx.window_start, ctx.window_end)
    except (ValueError, TypeError, KeyError):
        return {}
    peaks: dict[str, tuple[str, float]] = {}
    for metric in metrics:
        rows = frame[frame["metric"] == metric]
        if not rows.empty:
            top = rows.sort_values("value", ascending=False, kind="stable").iloc[0]  # the first peak, NaN last
            peaks[metric] = (str(top["service"]), float(top["value"]))
    return peaks


#: The signals every serving process has (traffic, errors, latency, saturation): a report names those an
#: affected service lacks, so that a gap in the data is read as a gap and not as a healthy zero.
BASIC_SIGNALS: tuple[str, ...] = (REQUEST_RATE, ERROR_RATE, LATENCY_P95_MS, CPU_PERCENT, MEMORY_MB)


def missing_signals(ctx: AnalysisContext, services: list[str]) -> dict[str, list[str]]:
    """Per affected service (external ones aside), the basic signals with no sample from baseline to now."""
    try:
        frame = ctx.metrics
        present = set(zip(frame["service"].astype(str), frame["metric"].astype(str), strict=True))
    except (KeyError, TypeError, AttributeError):
        return {}
    external = set(ctx.topology.external)
    gaps = {
        service: [signal for signal in BASIC_SIGNALS if (service, signal) not in present]
        for service in sorted(set(services) - external)
    }
    return {service: signals for service, signals in gaps.items() if signals}


def impact_of(ctx: AnalysisContext, monitoring: MonitoringOutput | None, culprit: str | None) -> Impact:
    """Affected services (incident, anomalies, culprit), window peaks against thresholds, and duration."""
    services = affected_services(ctx)
    services += [a.service for a in (monitoring.anomalies if monitoring else [])]
    services += [culprit] if culprit else []
    limits = thresholds(ctx.settings)
    end = ctx.incident.end_time if ctx.incident.end_time is not None else ctx.window_end
    peaks = _peaks(ctx, list(limits))
    memory_moved = any(a.metric == MEMORY_MB for a in (monitoring.anomalies if monitoring else []))
    if MEMORY_MB in peaks and not memory_moved and peaks[MEMORY_MB][1] <= limits[MEMORY_MB]:
        del peaks[MEMORY_MB]  # memory is not part of this incident's impact
    return Impact(
        services=sorted(set(services)),
        start_ts=ctx.incident.start_time,
        end_ts=end,
        resolved=ctx.incident.end_time is not None,
        peaks=peaks,
        thresholds=limits,
        missing_signals=missing_signals(ctx, services),
    )


def similar_to(ctx: AnalysisContext, view: ReportView) -> list[SimilarIncident]:
    """The earlier incidents whose fingerprints are at least SIMILARITY_THRESHOLD similar to this report's."""
    if not ctx.precedents:
        return []
    target = fingerprint_of(ctx.incident.model_copy(update={"final_summary": view}))
    return similar_incidents(target, ctx.precedents, ctx.settings.similarity_threshold)


def timeline_of(
    ctx: AnalysisContext, monitoring: MonitoringOutput | None, logs: LogAnalysisOutput | None
) -> list[TimelineEvent]:
    """Monitoring's timeline (or the detection signals alone), first lines of new/surging error patterns,
    and the moment the incident was opened."""
    events: list[TimelineEvent] = list(monitoring.timeline) if monitoring else signal_events(ctx.incident.signals)
    for p in (logs.patterns if logs else [])[:10]:
        if notable(p):
            state = "new" if p.is_new else f"x{p.surge:.1f}"
            text = f"{p.level} pattern '{p.template[:160]}' appears ({p.count} lines, {state})"
            events.append(TimelineEvent(ts=p.first_seen, service=", ".join(p.services), source="log", description=text))
    closing = "End of the analysed window" if ctx.incident.offline else "Incident opened"
    opened = TimelineEvent(ts=ctx.incident.detected_at, source="detection", description=closing)
    return merge_timeline(events, [opened])


class ReporterAgent:
    """Writes the RCA report; never raises for a failed upstream agent, it says what is missing instead."""

    name: ClassVar[str] = "reporter"
    depends_on: ClassVar[tuple[str, ...]] = ("monitoring", "log_analysis", "root_cause", "mitigation")
    output_model: ClassVar[type[AgentOutput]] = ReportOutput

    def analyze(self, ctx: AnalysisContext, upstream: Mapping[str, AgentOutput]) -> ReportOutput:
        """The report with every section; failed inputs become notes in the sections they feed."""
        findings = Findings.of(upstream)
        top = findings.root_cause.hypotheses[0] if findings.root_cause and findings.root_cause.hypotheses else None
        try:
            view = build_view(
                ctx.incident,
                findings,
                impact=impact_of(ctx, findings.monitoring, top.service if top else None),
                timeline=timeline_of(ctx, findings.monitoring, findings.log_analysis),
                signatures=ctx.signatures,
                faults=ctx.faults,
            )
            view = revised(view, ctx.revising)
            view = view.model_copy(update={"similar": similar_to(ctx, view)})
            markdown = render_markdown(view)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            return ReportOutput(status="error", error=f"report could not be rendered: {exc}")
        cause = f"{top.kind} on {top.service} ({top.confidence:.0%})" if top else "no root cause identified"
        gaps = [g.agent for g in findings.gaps]
        partial = f"; partial, missing {', '.join(gaps)}" if gaps else ""
        return ReportOutput(
            title=f"RCA: {ctx.incident.title}",
            markdown=markdown,
            summary=f"RCA report: {cause}{partial}.",
            view=view,
        )
