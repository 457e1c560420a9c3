"""The analysis follows the incident, through whole simulations: every analysis is kept as a revision, and a session
of faults one after another gets each one named, because no fault sits in a later incident's baseline."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import Settings
from core.fault_schedule import FaultSpec
from core.simulation import simulate
from core.store import Store
from demo_service import DemoService

pytestmark = pytest.mark.slow


def test_an_incident_is_analysed_again_while_open_and_once_more_when_it_resolves(tmp_path: Path) -> None:
    db = tmp_path / "revisions.duckdb"
    fault = FaultSpec("error_rate", "checkout", 1.0, start_s=0.0, duration_s=90.0)
    result = simulate([fault], demo=DemoService, duration=240, warmup=300, seed=1, db=db, settings=Settings())
    (incident,) = result.incidents
    assert incident.status == "RESOLVED" and incident.revisions >= 5
    store = Store(db)
    try:
        revisions = store.revisions(incident.id)
        stored = store.get_incident(incident.id)
        runs = store.agent_runs(incident.id)
    finally:
        store.close()
    assert [r.number for r in revisions] == list(range(1, len(revisions) + 1))
    reasons = [r.reason for r in revisions]
    assert reasons[0] == "opened" and reasons[-1] == "resolved" and reasons.count("scheduled") >= 3
    assert {r.analysis_id for r in revisions} == {run.analysis_id for run in runs}  # five runs per revision
    assert len(runs) == 5 * len(revisions)
    last = revisions[-1].view
    assert last is not None and last.changes is not None and last.changes.previous_revision == len(revisions) - 1
    assert not last.cause_changed and revisions[0].view is not None and revisions[0].view.cause_changed
    assert stored.final_summary == last and stored.rca_markdown == revisions[-1].markdown  # the latest is shown
    assert f"Revision {len(revisions)}, revised at" in (stored.rca_markdown or "")
    final_window = max(run.input_json["window_end"] for run in runs if run.analysis_id == last.analysis_id)
    assert final_window == stored.end_time  # the last analysis covers the whole incident
    assert (incident.first_root_causes[0].kind, incident.root_causes[0].kind) == ("error_rate", "error_rate")


def test_faults_one_after_another_are_each_named_over_baselines_without_the_earlier_ones(tmp_path: Path) -> None:
    """The session that named a pool exhaustion `error_rate` (70%) and a catalog latency spike "no cause found"
    when earlier faults sat in the baselines: slow latency on checkout, a slow database (the pool fills up) and
    latency spikes on catalog before the pool exhaustion, a second catalog spike after it."""
    faults = [
        FaultSpec("latency_spike", "checkout", 0.68, 0, 89),
        FaultSpec("db_slow", "postgres", 0.32, 212, 112),
        FaultSpec("latency_spike", "catalog", 0.98, 440, 50),
        FaultSpec("connection_pool_exhaustion", "checkout", 0.7, 569, 73),
        FaultSpec("latency_spike", "catalog", 0.5, 760, 80),
    ]
    result = simulate(
        faults, demo=DemoService, duration=1000, warmup=300, seed=2, db=tmp_path / "s.duckdb", settings=Settings()
    )
    named = {}
    for incident in result.incidents:
        assert len(incident.faults) == 1, incident.title  # one incident per fault
        named[incident.faults[0]] = (
            (incident.first_root_causes[0].service, incident.first_root_causes[0].kind),
            (incident.root_causes[0].service, incident.root_causes[0].kind),
        )
    expected = {fault.id: (fault.target, fault.type) for fault in result.faults}
    assert named == {fid: (cause, cause) for fid, cause in expected.items()}
