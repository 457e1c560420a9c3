"""ReportView: built from the agents' outputs, with the accessors the renderers (and later messages) read."""

from __future__ import annotations

from core.models import LogAnalysisOutput, MonitoringOutput, RootCauseOutput
from core.report.build import MAX_PATTERN_ROWS, ROUTINE_PATTERN_ROWS, Findings, build_view, listed
from core.report.view import Gap, ReportView
from tests.report.views import T0, incident, partial_view, pattern, rich_view


def test_accessors_of_a_rich_view() -> None:
    view = rich_view()
    top = view.top_cause
    assert top is not None and (top.service, top.kind, top.confidence) == ("checkout", "error_rate", 0.7)
    assert top.name == "Error-rate spike"  # named once, from the catalogue, when the view was built
    assert [e.description for e in view.key_evidence(2)] == [
        "checkout error_rate rose (0)",
        "checkout error_rate rose (1)",
    ]
    assert view.first_action is not None and view.first_action.title == "Roll back checkout"
    assert [c.service for c in view.independent_causes()] == ["postgres"]  # group 1, confidence 0.3
    assert [c.service for c in view.alternatives()] == ["payments"]
    assert view.summary == "RCA report: error_rate on checkout (70%)."
    assert view.gaps == [] and view.status == "done" and view.analysis_id == "analysis-1"
    assert list(view.agents) == ["monitoring", "log_analysis", "root_cause", "mitigation", "reporter"]


def test_header_facts_delay_duration_and_link() -> None:
    header = rich_view().header
    assert (header.title, header.severity, header.status, header.offline) == (
        incident().title,
        "SEV2",
        "INVESTIGATING",
        False,
    )
    assert header.detection_delay_s == 10.0
    assert header.duration_s(T0 + 100) == 100.0
    assert header.url("http://127.0.0.1:8501/") == "http://127.0.0.1:8501/incident?id=inc-1"
    odd = ReportView.pending(incident(id="a b&c/d")).header
    assert odd.url("https://rca.example") == "https://rca.example/incident?id=a%20b%26c%2Fd"


def test_a_partial_view_names_each_gap_and_has_no_findings_for_it() -> None:
    view = partial_view()
    assert [(g.agent, g.reason) for g in view.gaps] == [
        ("root_cause", "failed: RootCauseAgent failed: TimeoutError: 30 s"),
        ("mitigation", "failed: no root cause to act on"),
        ("log_analysis", "did not run"),
    ]
    assert view.root_cause is None and view.logs is None and view.actions is None
    assert view.top_cause is None and view.first_action is None and view.key_evidence(3) == []
    assert view.listed_patterns() == [] and view.hidden_patterns() == 0
    assert view.anomalies  # what monitoring found is kept
    assert view.status == "partial"


def test_findings_tell_failed_missing_and_mistyped_outputs_apart() -> None:
    found = Findings.of(
        {"monitoring": LogAnalysisOutput(), "root_cause": RootCauseOutput(status="error", error="boom")}
    )
    assert found.monitoring is None and found.root_cause is None
    assert [(g.agent, g.error) for g in found.gaps] == [
        ("monitoring", "no usable output (LogAnalysisOutput)"),
        ("log_analysis", None),
        ("root_cause", "boom"),
        ("mitigation", None),
    ]
    no_data = Findings.of({"monitoring": MonitoringOutput(status="no_data")})
    assert no_data.monitoring is not None  # no data is a result, not a gap


def test_listed_patterns_are_chosen_once_for_every_renderer() -> None:
    errors = [pattern(i) for i in range(MAX_PATTERN_ROWS + 3)]
    routine = [pattern(50 + i, level="INFO", count=10, baseline=10) for i in range(ROUTINE_PATTERN_ROWS + 2)]
    assert listed(routine + errors) == [p.template_id for p in errors[:MAX_PATTERN_ROWS]]
    assert listed(routine) == [p.template_id for p in routine[:ROUTINE_PATTERN_ROWS]]  # nothing stands out
    view = build_view(incident(), Findings(log_analysis=LogAnalysisOutput(patterns=routine + errors)))
    assert [p.template_id for p in view.listed_patterns()] == listed(routine + errors)
    assert view.hidden_patterns() == len(routine) + 3


def test_timeline_rows_join_one_second_of_one_service() -> None:
    rows, hidden = rich_view().timeline_rows()
    assert [(r.source, r.service, r.descriptions) for r in rows] == [
        ("metric", "checkout", ["error rate up", "p95 up"]),
        ("detection", "", ["Incident opened"]),
    ]
    assert hidden == 0
    assert rich_view().timeline_rows(limit=1)[1] == 1


def test_a_pending_view_has_the_header_and_the_detection_signals() -> None:
    view = ReportView.pending(incident())
    assert view.causes == [] and view.root_cause is None and view.summary == "" and view.status is None
    assert [(e.source, e.description) for e in view.timeline] == [("detection", "5xx up")]
    assert view.impact.services == ["checkout", "frontend"] and not view.impact.resolved


def test_with_header_refreshes_the_facts_and_keeps_the_findings() -> None:
    view = rich_view()
    resolved = view.with_header(incident(status="RESOLVED", end_time=T0 + 300, resolved_by="ana"))
    assert (resolved.header.status, resolved.header.end_time, resolved.header.resolved_by) == (
        "RESOLVED",
        T0 + 300,
        "ana",
    )
    assert resolved.causes == view.causes and resolved.gaps == view.gaps


def test_gap_reason() -> None:
    assert Gap(agent="x", error=None).reason == "did not run"
    assert Gap(agent="x", error="boom").reason == "failed: boom"
