"""Revisions in the report: what a later analysis changed against the one before, said in one Markdown line, and
whether the top cause changed (what notifications announce)."""

from __future__ import annotations

from core.report.build import compare, revised
from core.report.markdown import render_markdown, revision_line
from core.report.revision import Revising
from core.report.view import Cause, Impact, ReportView
from tests.report.views import T0, cause, rich_view


def _with_causes(view: ReportView, *causes: Cause, services: list[str] | None = None) -> ReportView:
    found = view.root_cause.model_copy(update={"causes": list(causes)}) if view.root_cause else None
    impact: Impact = view.impact.model_copy(update={"services": services or view.impact.services})
    return view.model_copy(update={"root_cause": found, "impact": impact})


def _cause(service: str, kind: str, confidence: float, evidence_items: int = 2) -> Cause:
    return Cause(**cause(service, kind, confidence, evidence_items).model_dump())


def test_a_first_analysis_states_its_cause_and_has_no_revision_line() -> None:
    first = revised(rich_view(), Revising(1, "opened", T0 + 10))
    assert (first.revision, first.reason, first.changes) == (1, "opened", None)
    assert first.cause_changed and revision_line(first) is None
    assert render_markdown(first).split("\n")[2] == "## Executive Summary"
    nothing = _with_causes(rich_view())
    assert not revised(nothing, Revising(1, "opened", T0)).cause_changed  # no cause named: nothing to announce


def test_a_revision_that_replaces_the_top_cause_says_so() -> None:
    before = _with_causes(rich_view(), _cause("checkout", "error_rate", 0.7))
    after = _with_causes(
        rich_view(),
        _cause("checkout", "connection_pool_exhaustion", 0.9, 3),
        services=["checkout", "frontend", "postgres"],
    )
    after.top_cause.evidence[2].metric = "db_pool_utilization"  # one item the earlier analysis did not cite
    after.top_cause.evidence[2].description = "checkout db_pool_utilization rose"
    second = revised(after, Revising(2, "new_evidence", T0 + 40, before))
    changes = second.changes
    assert changes is not None and changes.top_changed and second.cause_changed
    assert (changes.previous_revision, changes.previous_cause, changes.previous_confidence) == (
        1,
        "error_rate on checkout",
        0.7,
    )
    assert changes.new_evidence == ["checkout db_pool_utilization rose"] and changes.new_services == ["postgres"]
    line = revision_line(second)
    assert line == (
        "_Revision 2, revised at 2026-01-01T00:00:40Z after new evidence: top cause now "
        "**connection\\_pool\\_exhaustion on checkout** (was error\\_rate on checkout); confidence 70% → 90%; "
        "new evidence: checkout db\\_pool\\_utilization rose; new services: postgres._"
    )
    assert render_markdown(second).split("\n")[2] == line


def test_a_revision_that_confirms_the_cause_is_not_news() -> None:
    before = _with_causes(rich_view(), _cause("checkout", "error_rate", 0.7))
    after = revised(
        _with_causes(rich_view(), _cause("checkout", "error_rate", 0.95)), Revising(3, "scheduled", T0, before)
    )
    assert after.changes is not None and not after.changes.top_changed and not after.cause_changed
    assert after.changes.new_evidence == [] and after.changes.new_services == []
    assert "top cause unchanged (error\\_rate on checkout); confidence 70% → 95%" in (revision_line(after) or "")
    withdrawn = revised(_with_causes(rich_view()), Revising(4, "resolved", T0, after))
    assert withdrawn.cause_changed and "top cause now **no cause** (was error\\_rate on checkout)" in (
        revision_line(withdrawn) or ""
    )


def test_compare_reads_only_what_the_views_hold() -> None:
    view = rich_view()
    same = compare(view, view, 1)
    assert not same.top_changed and same.new_evidence == [] and same.new_services == []
