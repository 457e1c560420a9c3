"""Postmortem drafts: complete for every seed fault's incident, kept with their edits across a restart, exported."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.seed_faults import SEED_FAULTS as SIMULATED_SEED_FAULTS
from core.config import Settings
from core.fault_schedule import FaultSpec
from core.memory.postmortem import FOR_THE_TEAM, SECTIONS, ActionItem, draft
from core.memory.postmortem_export import postmortem_html, postmortem_markdown
from core.models import ReportOutput
from core.simulation import simulate
from core.store import Store
from demo_service import DemoService
from tests.factories import make_context, run_agents

SEED_FAULTS = [
    ("error_rate", "checkout"),
    ("latency_spike", "checkout"),
    ("db_slow", "postgres"),
    ("memory_leak", "checkout"),
    ("dependency_down", "payment-gateway"),
]


def _analysed(kind: str, target: str):
    ctx = make_context(kind, target)
    report = run_agents(ctx)["reporter"]
    assert isinstance(report, ReportOutput) and report.view is not None
    top = report.view.top_cause
    return ctx.incident.model_copy(
        update={
            "final_summary": report.view,
            "root_cause_kind": top.kind if top else None,
            "root_cause_service": top.service if top else None,
            "analysis_status": "done",
        }
    )


@pytest.mark.parametrize(("kind", "target"), SEED_FAULTS, ids=[k for k, _ in SEED_FAULTS])
def test_draft_of_each_seed_fault_is_complete(kind: str, target: str) -> None:
    pm = draft(_analysed(kind, target))
    assert pm.missing() == []
    assert kind in pm.root_cause and target in pm.root_cause  # filled from the analysis
    assert pm.action_items and all(a.owner for a in pm.action_items)
    assert pm.lessons == FOR_THE_TEAM  # what only the team can write is marked for it
    markdown = postmortem_markdown(pm)
    assert [f"## {heading}" in markdown for _, heading in SECTIONS] == [True] * len(SECTIONS)


def test_edit_survives_a_restart_and_keeps_its_history(tmp_path: Path) -> None:
    incident = _analysed("db_slow", "postgres")
    path = tmp_path / "incidents.duckdb"
    store = Store(path)
    store.save_incident(incident)
    first = store.save_postmortem(draft(incident), by="tool", at=100.0)
    edited = first.model_copy(
        update={
            "lessons": "Alert on query latency <b>before</b> users see it.",
            "action_items": [ActionItem(title="Add an index", owner="dba")],
        }
    )
    store.save_postmortem(edited, by="alice", at=200.0)
    store.close()

    reopened = Store(path)
    try:
        versions = reopened.postmortem_versions(incident.id)
    finally:
        reopened.close()
    assert [(v.version, v.edited_by) for v in versions] == [(2, "alice"), (1, "tool")]
    latest = versions[0]
    assert latest.lessons.startswith("Alert on query latency") and latest.action_items[0].owner == "dba"
    html = postmortem_html(latest)
    assert "&lt;b&gt;before&lt;/b&gt;" in html and "<b>before</b>" not in html  # team text is escaped
    assert "Version 2, edited by alice" in postmortem_markdown(latest)


@pytest.mark.slow
@pytest.mark.parametrize("kind", SIMULATED_SEED_FAULTS)
def test_draft_of_each_simulated_seed_fault_is_complete_and_exports(kind: str, tmp_path: Path) -> None:
    """The seed's faults run through the demo shop (120 s each, then calm until the incident resolves)."""
    db = tmp_path / "seed.duckdb"
    fault = FaultSpec(kind, duration_s=120.0)
    result = simulate([fault], demo=DemoService, duration=300, warmup=300, seed=1, db=db, settings=Settings())
    target = result.faults[0].target
    store = Store(db)
    try:
        incident = store.get_incident(result.incidents[0].id)
    finally:
        store.close()
    pm = draft(incident)
    assert pm.missing() == []
    assert f"(`{kind}`) on {target}" in pm.root_cause  # the cause the analysis named, from the stored report
    assert pm.timeline != FOR_THE_TEAM and pm.action_items
    markdown, html = postmortem_markdown(pm), postmortem_html(pm)
    for _, heading in SECTIONS:
        assert f"## {heading}" in markdown and f"<h2>{heading}</h2>" in html
