"""ReporterAgent: a full report from a real run, a partial one when an agent failed, hostile text escaped."""

from __future__ import annotations

import dataclasses
import re

import pytest

from core.agents.reporter import ReporterAgent
from core.models import LogEvent
from core.report.markdown import SECTIONS
from tests.factories import FAULT_CASES, FAULT_START, make_context, run_agents

AGENTS = ["monitoring", "log_analysis", "root_cause", "mitigation"]


def headings(markdown: str) -> list[str]:
    return re.findall(r"^## (.+)$", markdown, flags=re.MULTILINE)


@pytest.mark.parametrize(("kind", "target"), FAULT_CASES, ids=[f"{k}-{t}" for k, t in FAULT_CASES])
def test_full_report_has_every_section_in_order_and_names_the_cause(kind: str, target: str) -> None:
    ctx = make_context(kind, target, window_seconds=30)
    report = run_agents(ctx)["reporter"]
    assert report.status == "ok"
    assert report.markdown.startswith(f"# RCA: {kind.replace('_', chr(92) + '_')} suspected on ")
    assert headings(report.markdown) == list(SECTIONS)
    root_cause = report.markdown.split("## Root Cause")[1].split("## Evidence")[0]
    assert f"`{kind}`" in root_cause and target in root_cause
    assert re.search(r"confidence \*\*\d+%\*\*", root_cause)
    assert "- [ ] " in report.markdown.split("## Immediate Actions")[1]
    assert "2026-01-01T01:00:" in report.markdown  # UTC ISO times
    assert "This report is partial" not in report.markdown


@pytest.mark.parametrize("failing", AGENTS)
def test_failed_agent_gives_a_partial_report_that_says_so(failing: str) -> None:
    ctx = make_context("error_rate", "checkout", window_seconds=30)
    outputs = run_agents(ctx, failing={failing: "simulated failure"})
    report = outputs["reporter"]
    assert report.status == "ok"
    assert headings(report.markdown) == list(SECTIONS)
    label = {"monitoring": "Monitoring", "log_analysis": "Log analysis", "root_cause": "Root-cause analysis"}
    expected = f"> {label.get(failing, 'Mitigation')} failed: simulated failure. This report is partial."
    assert expected in report.markdown
    assert failing in report.summary


def test_every_upstream_failing_still_renders() -> None:
    outputs = run_agents(make_context("latency_spike", "catalog"), failing=dict.fromkeys(AGENTS, "down"))
    assert outputs["reporter"].status == "ok"
    assert headings(outputs["reporter"].markdown) == list(SECTIONS)


def test_missing_upstream_outputs_are_reported_not_raised() -> None:
    report = ReporterAgent().analyze(make_context(), {})
    assert report.status == "ok"
    assert "did not run" in report.markdown


def test_hostile_log_line_is_escaped() -> None:
    hostile = LogEvent(
        ts=FAULT_START + 8,
        service="checkout",
        level="ERROR",
        message="<script>alert(1)</script> | `rm -rf /` [click](http://evil.example)\n<img src=x onerror=alert(2)>",
    )
    ctx = make_context("error_rate", "checkout", window_seconds=30, extra_logs=[hostile])
    markdown = run_agents(ctx)["reporter"].markdown
    assert "<script>" not in markdown and "<img" not in markdown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markdown
    assert "[click](" not in markdown
    for row in markdown.split("## Log Patterns")[1].split("## Immediate Actions")[0].splitlines():
        if row.startswith("| ") and "script" in row:
            assert row.count(" | ") == 7  # the pipe in the line did not add a column


def test_a_signal_without_data_is_listed_as_missing_not_as_zero() -> None:
    ctx = make_context("error_rate", "checkout", window_seconds=30)
    full = run_agents(ctx)["reporter"]
    assert full.view is not None and full.view.impact.missing_signals == {}
    assert "Signals missing" not in full.markdown
    # The same incident where no convention gave checkout a latency histogram nor CPU time.
    metrics = ctx.metrics[
        ~((ctx.metrics["service"] == "checkout") & ctx.metrics["metric"].isin(["latency_p95_ms", "cpu_percent"]))
    ]
    gappy = run_agents(dataclasses.replace(ctx, metrics=metrics.reset_index(drop=True)))["reporter"]
    assert gappy.view is not None
    assert gappy.view.impact.missing_signals == {"checkout": ["latency_p95_ms", "cpu_percent"]}
    assert "- **Signals missing (no data, not zero):** checkout: latency\\_p95\\_ms, cpu\\_percent" in gappy.markdown
