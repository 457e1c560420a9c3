"""Seed data for the UI benchmark and the browser tests: analysed incidents, 24 h of metrics, hostile strings.

Incidents carry a full analysis (five agent runs built from the real output models, and the report view and
its Markdown built by ``core.report``), so pages show what they show in production. ``HOSTILE`` strings can
be planted in a service name, a log line and an LLM summary to check that no page or export runs them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import numpy as np

from core.models import (
    ERROR_RATE,
    METRICS,
    Action,
    AgentRun,
    Anomaly,
    Evidence,
    Hypothesis,
    Incident,
    LogAnalysisOutput,
    LogEvent,
    LogPattern,
    MetricPoint,
    MitigationOutput,
    MonitoringOutput,
    ReportOutput,
    RootCauseOutput,
    Signal,
    TimelineEvent,
)
from core.report.build import Findings, build_view, finish
from core.report.markdown import render_markdown
from core.report.view import Impact
from core.store import Store

#: Two strings that run script if a page or export ever renders untrusted text as HTML.
HOSTILE = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>")
HOSTILE_TEXT = " ".join(HOSTILE)
DEMO_SERVICES: tuple[str, ...] = ("frontend", "catalog", "checkout", "payments", "postgres", "cache")
POLL_SECONDS = 5.0


def analysed_incident(
    now: float,
    *,
    start: float,
    service: str = "checkout",
    log_line: str = "ERROR payment declined order=<*>",
    summary: str = "Checkout fails because payments time out.",
    title: str | None = None,
    status: str = "RESOLVED",
) -> tuple[Incident, list[AgentRun]]:
    """An incident on ``service`` with a finished analysis whose log pattern, example and summaries use the texts."""
    incident_id = str(uuid.uuid4())
    end = start + 300.0 if status == "RESOLVED" else None
    window_end = end if end is not None else now
    signal = Signal(
        rule="error_rate",
        service=service,
        metric=ERROR_RATE,
        value=0.3,
        threshold=0.05,
        ts=start,
        message=f"error rate 30% > 5% on {service}",
    )
    monitoring = MonitoringOutput(
        summary=f"error_rate of {service} rose from 1% to 30%",
        anomalies=[
            Anomaly(
                service=service,
                metric=ERROR_RATE,
                start_ts=start,
                peak_ts=start + 60,
                baseline=0.01,
                observed=0.3,
                score=12.0,
                direction="up",
            )
        ],
        timeline=[TimelineEvent(ts=start, service=service, source="metric", description=f"{service} errors rise")],
    )
    pattern = LogPattern(
        template_id="0123456789ab",
        template=log_line,
        level="ERROR",
        services=[service],
        service_counts={service: 120},
        count=120,
        baseline_count=0,
        first_seen=start + 5,
        is_new=True,
        surge=120.0,
        example=log_line,
    )
    logs = LogAnalysisOutput(summary="one new error pattern", patterns=[pattern], total_lines=900, error_lines=120)
    root_cause = RootCauseOutput(
        summary=summary,
        hypotheses=[
            Hypothesis(
                service=service,
                kind="error_rate",
                confidence=0.82,
                summary=summary,
                evidence=[
                    Evidence(
                        kind="metric",
                        service=service,
                        description=f"error_rate 1% → 30% on {service}",
                        metric=ERROR_RATE,
                        window_start=start,
                        window_end=window_end,
                        baseline=0.01,
                        observed=0.3,
                    ),
                    Evidence(
                        kind="log",
                        service=service,
                        description=f"new log pattern on {service}: {log_line}",
                        template=log_line,
                        window_start=start,
                        window_end=window_end,
                        count=120,
                        baseline_count=0,
                    ),
                ],
            ),
            Hypothesis(service="postgres", kind="db_slow", confidence=0.2, summary="Database slower than usual."),
        ],
    )
    mitigation = MitigationOutput(
        summary="roll back",
        immediate=[Action(title=f"Roll back {service}", detail=summary, command=f"kubectl rollout undo {service}")],
        long_term=[Action(title="Add a circuit breaker", detail="Fail fast on payment timeouts.")],
    )
    reporter = ReportOutput(summary=summary, title=f"Errors on {service}")
    incident = Incident(
        id=incident_id,
        status=status,
        severity="SEV2",
        title=title or f"Error rate above 5% on {service}",
        start_time=start,
        detected_at=start + 15,
        end_time=end,
        fingerprint=f"error_rate:{service}",
        services=[service],
        signals=[signal],
        analysis_status="done",
        root_cause_service=service,
        root_cause_kind="error_rate",
        root_cause_confidence=0.82,
    )
    outputs = {
        "monitoring": monitoring,
        "log_analysis": logs,
        "root_cause": root_cause,
        "mitigation": mitigation,
        "reporter": reporter,
    }
    impact = Impact(services=[service], start_ts=start, end_ts=window_end, resolved=end is not None)
    view = build_view(incident, Findings.of(outputs), impact=impact)
    analysis_id = str(uuid.uuid4())
    view = finish(view, outputs, list(outputs), analysis_id=analysis_id, status="done", generated_at=start + 25)
    incident = incident.model_copy(update={"final_summary": view, "rca_markdown": render_markdown(view)})
    runs = [
        AgentRun(
            id=str(uuid.uuid4()),
            incident_id=incident_id,
            analysis_id=analysis_id,
            agent_name=name,
            started_at=start + 20 + index,
            finished_at=start + 20.5 + index,
            latency_ms=500.0,
            status="ok",
            output_json=output.model_dump(mode="json"),
        )
        for index, (name, output) in enumerate(outputs.items())
    ]
    return incident, runs


def seed_incidents(store: Store, now: float, count: int, *, span_seconds: float = 24 * 3600.0) -> list[str]:
    """``count`` analysed incidents spread over the last ``span_seconds`` (resolved, but the newest open)."""
    ids = []
    for index in range(count):
        start = now - span_seconds + (index + 0.5) * span_seconds / count - 300
        service = DEMO_SERVICES[index % len(DEMO_SERVICES)]
        incident, runs = analysed_incident(
            now, start=start, service=service, status="OPEN" if index == count - 1 else "RESOLVED"
        )
        store.save_incident(incident)
        store.save_agent_runs(runs)
        ids.append(incident.id)
    return ids


def seed_metrics(
    store: Store,
    end: float,
    seconds: float,
    *,
    services: Sequence[str] = DEMO_SERVICES,
    metrics: Sequence[str] = METRICS,
    seed: int = 7,
) -> int:
    """Samples every 5 s for ``seconds`` before ``end`` for each service and metric; returns how many."""
    rng = np.random.default_rng(seed)
    ts = np.arange(end - seconds, end, POLL_SECONDS)
    total = 0
    for service in services:
        points: list[MetricPoint] = []
        for metric in metrics:
            base = 0.01 if "error" in metric else 120.0
            values = np.abs(rng.normal(base, base * 0.1, len(ts)))
            points += [MetricPoint(float(t), service, metric, float(v)) for t, v in zip(ts, values, strict=True)]
        store.insert_metrics(points)
        total += len(points)
    return total


def seed_logs(store: Store, service: str, start: float, lines: Sequence[str]) -> None:
    """Store ``lines`` as ERROR log events of ``service`` one second apart from ``start``."""
    store.insert_logs([LogEvent(start + i, service, "ERROR", line, {}) for i, line in enumerate(lines)])
