"""Markdown rendering of a ReportView: section order, escaping of untrusted text, partial reports, UTC times."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from core.models import (
    Action,
    Evidence,
    Hypothesis,
    Incident,
    LogAnalysisOutput,
    LogPattern,
    MitigationOutput,
    RootCauseOutput,
    TimelineEvent,
)
from core.report.build import Findings, build_view
from core.report.markdown import LEAD, SECTIONS, render_markdown
from core.report.view import Gap, Impact
from tests.report.views import partial_view, rich_view

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z


def _incident() -> Incident:
    return Incident(id="i", title="Checkout <b>errors</b>", start_time=T0, detected_at=T0 + 10, fingerprint="f")


def _impact() -> Impact:
    return Impact(
        services=["checkout"],
        start_ts=T0,
        end_ts=T0 + 95,
        resolved=False,
        peaks={"error_rate": ("checkout", 0.31), "latency_p95_ms": ("checkout", 420.0)},
        thresholds={"error_rate": 0.05, "latency_p95_ms": 1000.0},
    )


def _root_cause() -> RootCauseOutput:
    evidence = [
        Evidence(
            kind="metric",
            service="checkout",
            metric="error_rate",
            window_start=T0,
            window_end=T0 + 95,
            baseline=0.004,
            observed=0.31,
            description="checkout error_rate rose",
        ),
        Evidence(
            kind="log", service="checkout", template="Unhandled <*>", count=40, baseline_count=0, description="new"
        ),
    ]
    return RootCauseOutput(
        hypotheses=[
            Hypothesis(service="checkout", kind="error_rate", confidence=0.873, summary="Errors.", evidence=evidence),
            Hypothesis(service="payments", kind="error_rate", confidence=0.05, summary="Alt.", evidence=evidence[:1]),
        ]
    )


def _logs() -> LogAnalysisOutput:
    pattern = LogPattern(
        template_id="abc",
        template="<script>x</script> | <*>",
        level="ERROR",
        services=["checkout"],
        count=40,
        baseline_count=0,
        first_seen=T0 + 3,
        is_new=True,
        surge=40.0,
        example="<script>x</script> | `1`\nnext",
    )
    return LogAnalysisOutput(patterns=[pattern], total_lines=100, error_lines=40)


def _mitigation() -> MitigationOutput:
    return MitigationOutput(
        immediate=[Action(title="Roll back checkout", command="kubectl rollout undo deployment/checkout")],
        long_term=[Action(title="Canary deploys")],
    )


def _render(**overrides) -> str:
    parts = {
        "monitoring": None,
        "log_analysis": _logs(),
        "root_cause": _root_cause(),
        "mitigation": _mitigation(),
        "gaps": (),
    }
    parts.update(overrides)
    timeline = [TimelineEvent(ts=T0 + 5, service="checkout", source="metric", description="error rate up")]
    view = build_view(_incident(), Findings(**parts), impact=_impact(), timeline=timeline)
    return render_markdown(view)


def test_sections_in_order_with_title() -> None:
    markdown = _render()
    assert markdown.startswith("# RCA: Checkout &lt;b&gt;errors&lt;/b&gt;\n")
    assert re.findall(r"^## (.+)$", markdown, flags=re.MULTILINE) == list(SECTIONS)


def test_content_of_the_sections() -> None:
    markdown = _render()
    assert "**Error-rate spike** (`error_rate`) in **checkout**: confidence **87%**" in markdown
    assert "Alternatives: **Error-rate spike** (`error_rate`) in **payments** (5%)." in markdown
    assert "### 2. **Error-rate spike** (`error_rate`) in **payments** (5%)" in markdown
    assert "31.0% in checkout (above the 5.0% threshold)" in markdown
    assert "420 ms in checkout (below the 1,000 ms threshold)" in markdown
    assert "ongoing for 1 min 35 s" in markdown
    assert "Times in UTC on 2026-01-01.\n\n- **00:00:05** · metric · error rate up" in markdown
    assert "- [ ] **Roll back checkout** `kubectl rollout undo deployment/checkout`" in markdown
    assert "- **Canary deploys**" in markdown
    assert "[window 2026-01-01T00:00:00Z to 2026-01-01T00:01:35Z]" in markdown
    assert "(40 lines in the window, 0 in the baseline)" in markdown


def test_log_pattern_table_escapes_cells() -> None:
    markdown = _render()
    rows = [r for r in markdown.splitlines() if r.startswith("| ") and "script" in r]
    assert len(rows) == 1
    assert "<script>" not in markdown
    assert rows[0].count(" | ") == 7
    assert "2026-01-01T00:00:03Z" in rows[0] and "| yes |" in rows[0]


@pytest.mark.parametrize(
    ("gap", "missing", "notice"),
    [
        ("log_analysis", {"log_analysis": None}, "> Log analysis failed: timeout. This report is partial."),
        ("root_cause", {"root_cause": None}, "> Root-cause analysis failed: timeout. This report is partial."),
        ("mitigation", {"mitigation": None}, "> Mitigation failed: timeout. This report is partial."),
        ("monitoring", {}, "> Monitoring failed: timeout. This report is partial."),
    ],
    ids=["log-analysis", "root-cause", "mitigation", "monitoring"],
)
def test_partial_report_names_the_missing_part(gap: str, missing: dict, notice: str) -> None:
    markdown = _render(gaps=(Gap(agent=gap, error="timeout"),), **missing)
    assert notice in markdown
    assert "> This report is partial: missing" in markdown.split("## Impact")[0]
    assert re.findall(r"^## (.+)$", markdown, flags=re.MULTILINE) == list(SECTIONS)


def test_no_cause_report() -> None:
    markdown = _render(root_cause=RootCauseOutput(no_cause_reason="No cause found: nothing moved."))
    assert "No root cause identified. No cause found: nothing moved." in markdown
    assert "No evidence supports a root cause." in markdown


@pytest.mark.slow
def test_report_imports_on_its_own() -> None:
    """core.report must not pull in the agents (the reporter agent imports it: that would be a cycle)."""
    modules = "core.report, core.report.exports, core.report.markdown, core.report.fallback, core.report.stored"
    code = f"import sys, {modules}; assert not any(m.startswith('core.agents') for m in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


def test_a_rich_view_renders_every_cause_pattern_and_action() -> None:
    markdown = render_markdown(rich_view())
    assert markdown.startswith("# RCA: Checkout &lt;script&gt;alert(1)&lt;/script&gt; \\| \\*\\*down\\*\\*\n")
    assert "At the same time, independently: **Slow database** (`db_slow`) in **postgres**" in markdown
    assert "Alternatives: **Error-rate spike** (`error_rate`) in **payments** (5%)." in markdown
    assert "- … 2 more items in the JSON export" not in markdown  # the leading cause shows all its evidence
    assert "### 2. **Slow database** (`db_slow`) in **postgres** (30%)" in markdown
    patterns = markdown.split("## Log Patterns")[1]
    top = patterns.split("The other 10 listed patterns:")[0]
    rows = [r for r in patterns.splitlines() if r.startswith("| Unhandled")]
    assert len(rows) == 15 and all(r.count(" | ") == 7 for r in rows)
    assert len([r for r in top.splitlines() if r.startswith("| Unhandled")]) == 5  # the top few first
    assert "| 40 | 0 |" in top  # with their window and baseline counts
    assert "8 more templates not shown (routine or less significant)." in markdown
    assert "- **00:00:05** · metric · error rate up; p95 up" in markdown
    assert "- [ ] **Roll back checkout** `kubectl rollout undo deploy/checkout`" in markdown
    assert "- [ ] **Page the checkout team**" in markdown and "- **Canary deploys**: Ship to 5% first." in markdown
    assert "This report is partial" not in markdown


def test_a_partial_view_names_the_failed_agents_in_their_sections() -> None:
    markdown = render_markdown(partial_view())
    assert re.findall(r"^## (.+)$", markdown, flags=re.MULTILINE) == list(SECTIONS)
    summary = markdown.split("## Impact")[0]
    assert (
        "> This report is partial: missing root-cause analysis (failed: RootCauseAgent failed: TimeoutError: 30 s)"
        in summary
    )
    assert "log analysis (did not run)" in summary
    assert "> Log analysis did not run. This report is partial." in markdown.split("## Log Patterns")[1]
    assert (
        "> Root-cause analysis failed: RootCauseAgent failed: TimeoutError: 30 s." in markdown.split("## Evidence")[1]
    )
    assert markdown.split("## Prevention")[1].count("> Mitigation failed: no root cause to act on.") == 1


def lead_lines(markdown: str) -> dict[str, int]:
    """The line number (from 1) of each section heading."""
    return {line[3:]: n for n, line in enumerate(markdown.splitlines(), start=1) if line.startswith("## ")}


@pytest.mark.parametrize("view", [rich_view, partial_view], ids=["rich", "partial"])
def test_summary_cause_and_actions_come_first_within_40_lines(view) -> None:
    markdown = render_markdown(view())
    lines = lead_lines(markdown)
    assert list(lines)[:3] == list(LEAD) and lines["Immediate Actions"] < 40
    first_action = markdown.splitlines()[lines["Immediate Actions"] + 1]
    assert first_action.startswith(("- [ ]", ">"))  # the first action (or why there is none) is on screen too


def test_root_cause_states_its_key_evidence_and_points_to_the_rest() -> None:
    markdown = render_markdown(rich_view())
    root_cause = markdown.split("## Root Cause")[1].split("## Immediate Actions")[0]
    assert "Key evidence (3 more under Evidence):" in root_cause
    assert root_cause.count("- **metric** · checkout · error\\_rate: checkout error\\_rate rose") == 3
    assert "[window" not in root_cause  # the windows are under Evidence
    assert "_Confidence is the calibrated probability" in root_cause


def test_summary_says_how_long_detection_took_from_the_fault_and_from_the_first_sign() -> None:
    from core.models import InjectedFault

    fault = InjectedFault(
        id="f", type="error_rate", target="checkout", intensity=1, started_at=T0 - 3, expires_at=T0 + 60
    )
    timeline = [TimelineEvent(ts=T0 + 5, service="checkout", source="metric", description="error rate up")]
    parts = {"log_analysis": _logs(), "root_cause": _root_cause(), "mitigation": _mitigation()}
    view = build_view(_incident(), Findings(**parts), impact=_impact(), timeline=timeline, faults=[fault])
    summary = render_markdown(view).split("## Root Cause")[0]
    assert (
        "Detected 13 s after the injected fault (error\\_rate on checkout, 23:59:57 UTC) and 10 s after the first sign "
        "in the data (first detection signal, 00:00:00 UTC)." in summary
    )
