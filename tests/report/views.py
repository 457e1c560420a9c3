"""Report views for the renderer tests: a rich one (three causes, many patterns, actions, a timeline) and partial
ones (an agent failed, another did not run), built from agent outputs the way the reporter builds them."""

from __future__ import annotations

from core import models
from core.models import ERROR_RATE, AgentOutput, Anomaly, Evidence, Hypothesis, Incident, LogPattern, TimelineEvent
from core.report.build import Findings, build_view, finish
from core.report.view import Impact, ReportView

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z
HOSTILE_TITLE = "Checkout <script>alert(1)</script> | **down**"


def incident(**changes: object) -> Incident:
    signal = models.Signal(
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


def cause(service: str, kind: str, confidence: float, evidence_items: int, group: int = 0) -> Hypothesis:
    summary = f"{kind} on {service}."
    found = evidence(service, evidence_items)
    return Hypothesis(service=service, kind=kind, confidence=confidence, summary=summary, evidence=found, group=group)


def outputs() -> dict[str, AgentOutput]:
    """Every agent ok: three causes (one independent), 20 error and 3 routine patterns, two actions."""
    causes = [cause("checkout", "error_rate", 0.7, 6), cause("postgres", "db_slow", 0.3, 2, group=1)]
    causes.append(cause("payments", "error_rate", 0.05, 1))
    events = [
        TimelineEvent(ts=T0 + 5, service="checkout", source="metric", description="error rate up"),
        TimelineEvent(ts=T0 + 5.4, service="checkout", source="metric", description="p95 up"),
        TimelineEvent(ts=T0 + 10, source="detection", description="Incident opened"),
    ]
    up = {"start_ts": T0, "peak_ts": T0 + 30, "baseline": 0.01, "observed": 0.3, "score": 9.0, "direction": "up"}
    anomaly = Anomaly(service="checkout", metric=ERROR_RATE, **up)
    patterns = [pattern(i) for i in range(20)] + [pattern(20 + i, "INFO", count=50, baseline=50) for i in range(3)]
    now = [models.Action(title="Roll back checkout", command="kubectl rollout undo deploy/checkout")]
    now.append(models.Action(title="Page the checkout team"))
    return {
        "monitoring": models.MonitoringOutput(anomalies=[anomaly], timeline=events, summary="1 series moved"),
        "log_analysis": models.LogAnalysisOutput(patterns=patterns, total_lines=950, error_lines=800, summary="20"),
        "root_cause": models.RootCauseOutput(hypotheses=causes, summary="Most likely: error_rate on checkout (70%)."),
        "mitigation": models.MitigationOutput(
            immediate=now, long_term=[models.Action(title="Canary deploys", detail="Ship to 5% first.")]
        ),
        "reporter": models.ReportOutput(summary="RCA report: error_rate on checkout (70%)."),
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
    timeline = monitoring.timeline if isinstance(monitoring, models.MonitoringOutput) else []
    view = build_view(subject, Findings.of(found), impact=impact(), timeline=timeline)
    status = "partial" if any(o.status == "error" for o in found.values()) else "done"
    return finish(view, found, list(found), analysis_id="analysis-1", status=status, generated_at=T0 + 60)


def rich_view() -> ReportView:
    return view_of(outputs())


def partial_view() -> ReportView:
    """The root-cause agent failed (and so mitigation has nothing to say); log analysis did not run at all."""
    found = outputs()
    del found["log_analysis"]
    found["root_cause"] = models.RootCauseOutput(status="error", error="RootCauseAgent failed: TimeoutError: 30 s")
    found["mitigation"] = models.MitigationOutput(status="error", error="no root cause to act on")
    return view_of(found)
