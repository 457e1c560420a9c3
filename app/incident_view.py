"""Pure helpers for the incident page: the latest analysis, the timeline, the runs table, evidence and patterns."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from app.formatting import DASH, fmt_ts
from core.log_patterns import mask
from core.models import (
    AgentRun,
    Evidence,
    Hypothesis,
    Incident,
    InjectedFault,
    LogEvent,
    LogPattern,
    MonitoringOutput,
    agent_output,
)

#: The agents in the order the analysis runs them.
AGENT_ORDER: tuple[str, ...] = ("monitoring", "log_analysis", "root_cause", "mitigation", "reporter")


def latest_analysis(runs: Sequence[AgentRun]) -> list[AgentRun]:
    """The runs of the most recent analysis (the analysis whose first run started last)."""
    if not runs:
        return []
    starts = _analysis_starts(runs)
    newest = max(starts, key=lambda analysis_id: starts[analysis_id])
    return sorted((r for r in runs if r.analysis_id == newest), key=lambda r: _agent_rank(r.agent_name))


def _analysis_starts(runs: Sequence[AgentRun]) -> dict[str, float]:
    """When each analysis began: the start of its first run."""
    starts: dict[str, float] = {}
    for run in runs:
        starts[run.analysis_id] = min(starts.get(run.analysis_id, run.started_at), run.started_at)
    return starts


def _agent_rank(name: str) -> int:
    return AGENT_ORDER.index(name) if name in AGENT_ORDER else len(AGENT_ORDER)


def monitoring_output(runs: Sequence[AgentRun]) -> MonitoringOutput | None:
    """The monitoring agent's output (anomalies, timeline), None when absent or unreadable."""
    return agent_output(runs, "monitoring", MonitoringOutput)


def failed_agents(runs: Sequence[AgentRun]) -> list[tuple[str, str]]:
    """(agent, reason) for each run of the analysis that did not finish with status ok."""
    return [
        (run.agent_name, run.error or ("no data" if run.status == "no_data" else run.status))
        for run in runs
        if run.status != "ok"
    ]


def timeline_frame(incident: Incident, runs: Sequence[AgentRun], faults: Sequence[InjectedFault]) -> pd.DataFrame:
    """Lifecycle, detection signals, injected faults and the monitoring agent's events, oldest first."""
    rows: list[tuple[float, str, str, str]] = [
        (incident.start_time, "detection", ", ".join(incident.services) or DASH, "First signal (incident start)"),
        (incident.detected_at, "detection", DASH, f"Incident opened: {incident.title}"),
    ]
    rows += [(s.ts, "detection", s.service, s.message) for s in incident.signals]
    for fault in faults:
        rows.append(
            (fault.started_at, "fault", fault.target, f"Fault injected: {fault.type} (intensity {fault.intensity:.1f})")
        )
        if fault.stopped_at is not None:
            rows.append((fault.stopped_at, "fault", fault.target, f"Fault stopped: {fault.type}"))
    rows += _monitoring_events(runs)
    if incident.acknowledged_at is not None:
        rows.append((incident.acknowledged_at, "operator", DASH, f"Acknowledged by {incident.acknowledged_by}"))
    if incident.end_time is not None:
        who = f" by {incident.resolved_by}" if incident.resolved_by else ""
        rows.append((incident.end_time, "operator" if who else "detection", DASH, f"Resolved{who}"))
    rows.sort(key=lambda row: row[0])
    return pd.DataFrame(
        [(fmt_ts(ts), source, service, text) for ts, source, service, text in rows],
        columns=["Time (UTC)", "Source", "Service", "Event"],
    )


def _monitoring_events(runs: Sequence[AgentRun]) -> list[tuple[float, str, str, str]]:
    output = monitoring_output(runs)
    if output is None:
        return []
    return [(e.ts, e.source, e.service or DASH, e.description) for e in output.timeline]


def runs_frame(runs: Sequence[AgentRun]) -> pd.DataFrame:
    """Every agent run, newest analysis first: agent, status, latency, error, model and tokens."""
    starts = _analysis_starts(runs)
    ordered = sorted(runs, key=lambda r: (-starts[r.analysis_id], _agent_rank(r.agent_name), r.started_at))
    return pd.DataFrame(
        [
            {
                "Analysis": run.analysis_id[:8],
                "Agent": run.agent_name,
                "Status": run.status,
                "Latency (ms)": round(run.latency_ms, 1),
                "Error": run.error or "",
                "Model": run.model or "deterministic",
                "Tokens (in/out)": f"{run.prompt_tokens}/{run.completion_tokens}" if run.model else DASH,
                "Started (UTC)": fmt_ts(run.started_at),
            }
            for run in ordered
        ],
        columns=[
            "Analysis",
            "Agent",
            "Status",
            "Latency (ms)",
            "Error",
            "Model",
            "Tokens (in/out)",
            "Started (UTC)",
        ],
    )


def evidence_frame(hypothesis: Hypothesis) -> pd.DataFrame:
    """A hypothesis's evidence as rows (kind, service, description, window, baseline → observed, counts)."""
    rows = []
    for item in hypothesis.evidence:
        window = (
            f"{fmt_ts(item.window_start)} → {fmt_ts(item.window_end)}"
            if item.window_start is not None and item.window_end is not None
            else DASH
        )
        change = (
            f"{item.baseline:.4g} → {item.observed:.4g}"
            if item.baseline is not None and item.observed is not None
            else DASH
        )
        counts = f"{item.baseline_count or 0} → {item.count}" if item.count is not None else DASH
        rows.append(
            {
                "Kind": item.kind,
                "Service": item.service,
                "Evidence": item.description,
                "Metric / template": item.metric or item.template or DASH,
                "Window": window,
                "Baseline → observed": change,
                "Log lines (baseline → window)": counts,
            }
        )
    return pd.DataFrame(rows)


def pattern_for(evidence: Evidence, patterns: Sequence[LogPattern]) -> LogPattern | None:
    """The log pattern a log evidence item cites (same template), None when the analysis has none."""
    if evidence.template is None:
        return None
    return next((p for p in patterns if p.template == evidence.template), None)


def matching_lines(template: str, events: Sequence[LogEvent], limit: int = 5) -> list[LogEvent]:
    """Up to ``limit`` log lines whose template is ``template``, oldest first."""
    return [e for e in events if mask(e.message) == template][:limit]


def patterns_frame(patterns: Sequence[LogPattern]) -> pd.DataFrame:
    """The log patterns as a table: level, template, services, baseline and window counts, new, example."""
    return pd.DataFrame(
        [
            {
                "Level": p.level,
                "Template": p.template,
                "Services": ", ".join(p.services),
                "Baseline": p.baseline_count,
                "Window": p.count,
                "Surge": round(p.surge, 1),
                "New": p.is_new,
                "First seen (UTC)": fmt_ts(p.first_seen),
                "Example": p.example,
            }
            for p in patterns
        ],
        columns=["Level", "Template", "Services", "Baseline", "Window", "Surge", "New", "First seen (UTC)", "Example"],
    )
