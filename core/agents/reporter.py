"""ReporterAgent: the RCA report in Markdown from the four other agents' outputs (partial when one failed)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from core.agents.base import AnalysisContext
from core.agents.mitigation import affected_services
from core.agents.monitoring import merge_timeline, prepare, signal_events, thresholds
from core.agents.root_cause import usable
from core.log_patterns import notable
from core.models import (
    MEMORY_MB,
    AgentOutput,
    LogAnalysisOutput,
    MitigationOutput,
    MonitoringOutput,
    ReportOutput,
    RootCauseOutput,
    TimelineEvent,
)
from core.report import Impact, render_markdown


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
            top = rows.loc[rows["value"].idxmax()]
            peaks[metric] = (str(top["service"]), float(top["value"]))
    return peaks


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
    )


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
        """Markdown report with every section; failed inputs become notes in the sections they feed."""
        monitoring, m_gap = usable(upstream, "monitoring", MonitoringOutput)
        logs, l_gap = usable(upstream, "log_analysis", LogAnalysisOutput)
        root_cause, r_gap = usable(upstream, "root_cause", RootCauseOutput)
        mitigation, x_gap = usable(upstream, "mitigation", MitigationOutput)
        gaps = {
            name: gap
            for name, gap in (
                ("monitoring", m_gap),
                ("log_analysis", l_gap),
                ("root_cause", r_gap),
                ("mitigation", x_gap),
            )
            if gap
        }
        top = root_cause.hypotheses[0] if root_cause and root_cause.hypotheses else None
        try:
            impact = impact_of(ctx, monitoring, top.service if top else None)
            markdown = render_markdown(
                ctx.incident,
                impact,
                monitoring=monitoring,
                log_analysis=logs,
                root_cause=root_cause,
                mitigation=mitigation,
                timeline=timeline_of(ctx, monitoring, logs),
                gaps=gaps,
                signatures=ctx.signatures,
            )
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            return ReportOutput(status="error", error=f"report could not be rendered: {exc}")
        cause = f"{top.kind} on {top.service} ({top.confidence:.0%})" if top else "no root cause identified"
        partial = f"; partial, missing {', '.join(gaps)}" if gaps else ""
        return ReportOutput(
            title=f"RCA: {ctx.incident.title}",
            markdown=markdown,
            summary=f"RCA report: {cause}{partial}.",
        )
