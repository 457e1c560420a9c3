"""Report views for the renderer tests: a rich one (three causes, many patterns, actions, a timeline) and partial
ones (an agent failed, another did not run), built from agent outputs the way the reporter builds them."""

from __future__ import annotations

from core.models import (
    ERROR_RATE,
    Action,
    AgentOutput,
    Anomaly,
    Evidence,
    Hypothesis,
    Incident,
    LogAnalysisOutput,
    LogPattern,
    MitigationOutput,
    MonitoringOutput,
    ReportOutput,
    RootCauseOutput,
    Signal,
    TimelineEvent,
)
from core.report.build import Findings, build_view, finish
from core.report.view import Impact, ReportView

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z
HOSTILE_TITLE = "Checkout <script>alert(1)</script> | **down**"


def incident(**changes: object) -> Incident:
    signal = Signal(
        rule="error_rate", service="checkout", metric=ERROR_RATE, value=0.3, threshold=0.05, ts=T0, message="5xx up"
    )
    base = Incident(
        id="inc-1",
        title=HOSTILE_TITLE,
        severity="SEV2",
        status="INVESTIGATING",
        start_time=T0,
        detected_at=T0 + 10,
        fingerprint="error_rate:checkout",
        services=["checkout", "frontend"],
        signals=[signal],
    )
    return base.model_copy(update=changes)


def pattern(index: int, level: str = "ERROR", count: int = 40, baseline: int = 0) -> LogPattern:
    return LogPattern(
        template_id=f"t{index:02d}",
        template=f"Unhandled exception {index} in <*> | `boom`",
        level=level,
        services=["checkout"],
        count=count,
        baseline_count=baseline,
        first_seen=T0 + index,
        is_new=baseline == 0,
        surge=count / max(baseline, 1),
        example=f"Unhandled exception {index} in handler | `boom`",
    )


def evidence(service: str, n: int) -> list[Evidence]:
    return [
        Evidence(
            kind="metric",
            service=service,
            metric=ERROR_RATE,
            description=f"{service} error_rate rose ({i})",
            baseline=0.01,
            observed=0.3,
            window_start=T0,
            window_end=T0 + 95,
        )
        for i in range(n)
    ]


def outputs() -> dict[str, AgentOutput]:
    """Every agent ok: three causes (one independent), 20 error and 3 routine patterns, two actions."""
    causes = [
        Hypothesis(
            service="checkout",
            kind="error_rate",
            confidence=0.7,
            summary="Checkout fails.",
            evidence=evidence("checkout", 6),
        ),
        Hypothesis(
            service="postgres",
            kind="db_slow",
            confidence=0.3,
            summary="Postgres too.",
            evidence=evidence("postgres", 2),
            group=1,
        ),
        Hypothesis(
            service="payments",
            kind="error_rate",
            confidence=0.05,
            summary="Payments?",
            evidence=evidence("payments", 1),
        ),
    ]
    events = [
        TimelineEvent(ts=T0 + 5, service="checkout", source="metric", description="error rate up"),
        TimelineEvent(ts=T0 + 5.4, service="checkout", source="metric", description="p95 up"),
        TimelineEvent(ts=T0 + 10, source="detection", description="Incident opened"),
    ]
    anomaly = Anomaly(
        service="checkout",
        metric=ERROR_RATE,
        start_ts=T0,
        peak_ts=T0 + 30,
        baseline=0.01,
        observed=0.3,
        score=9.0,
        direction="up",
    )
    patterns = [pattern(i) for i in range(20)] + [
        pattern(20 + i, level="INFO", count=50, baseline=50) for i in range(3)
    ]
    return {
        "monitoring": MonitoringOutput(anomalies=[anomaly], timeline=events, summary="1 series left its baseline"),
        "log_analysis": LogAnalysisOutput(patterns=patterns, total_lines=950, error_lines=800, summary="20 new"),
        "root_cause": RootCauseOutput(hypotheses=causes, summary="Most likely: error_rate on checkout (70%)."),
        "mitigation": MitigationOutput(
            immediate=[
                Action(title="Roll back checkout", command="kubectl rollout undo deploy/checkout"),
                Action(title="Page the checkout team"),
            ],
            long_term=[Action(title="Canary deploys", detail="Ship to 5% first.")],
        ),
        "reporter": ReportOutput(summary="RCA report: error_rate on checkout (70%)."),
    }


def impact() -> Impact:
    return Impact(
        services=["checkout", "frontend"],
        start_ts=T0,
        end_ts=T0 + 95,
        resolved=False,
        peaks={ERROR_RATE: ("checkout", 0.31)},
        thresholds={ERROR_RATE: 0.05},
    )


def view_of(found: dict[str, AgentOutput], **incident_changes: object) -> ReportView:
    """The stored view of an analysis whose agents returned ``found``, as the supervisor completes it."""
    subject = incident(**incident_changes)
    monitoring = found.get("monitoring")
    timeline = monitoring.timeline if isinstance(monitoring, MonitoringOutput) else []
    view = build_view(subject, Findings.of(found), impact=impact(), timeline=timeline)
    status = "partial" if any(o.status == "error" for o in found.values()) else "done"
    return finish(view, found, list(found), analysis_id="analysis-1", status=status, generated_at=T0 + 60)


def rich_view() -> ReportView:
    return view_of(outputs())


def partial_view() -> ReportView:
    """The root-cause agent failed (and so mitigation has nothing to say); log analysis did not run at all."""
    found = outputs()
    del found["log_analysis"]
    found["root_cause"] = RootCauseOutput(status="error", error="RootCauseAgent failed: TimeoutError: 30 s")
    found["mitigation"] = MitigationOutput(status="error", error="no root cause to act on")
    return view_of(found)
