"""The DuckDB store on real files: migrations, incidents, runs, samples, locks and corrupt files."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from core.errors import NotFoundError, StoreError, StoreLockedError
from core.models import AgentRun, Incident, InjectedFault, LogEvent, MetricPoint, Signal
from core.report.build import revised
from core.report.revision import Revising
from core.store import Store
from core.store.migrations import MIGRATIONS
from tests.report.views import rich_view


def incident(id_: str = "11111111-aaaa", **changes: object) -> Incident:
    base = Incident(
        id=id_,
        title="High error rate on checkout (30%)",
        start_time=1000.0,
        detected_at=1010.0,
        fingerprint="component:x",
        services=["checkout"],
        signals=[Signal(rule="error_rate", service="checkout", value=0.3, threshold=0.05, ts=1005.0, message="m")],
    )
    return base.model_copy(update=changes)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "incidents.duckdb")
    yield s
    s.close()


def test_migrations_apply_once_and_survive_reopen(tmp_path: Path) -> None:
    path = tmp_path / "db.duckdb"
    first = Store(path)
    first.save_incident(incident())
    assert first.schema_version() == MIGRATIONS[-1][0]
    first.close()
    again = Store(path)
    assert again.schema_version() == MIGRATIONS[-1][0]
    assert again.get_incident("11111111-aaaa").title.startswith("High error rate")
    again.close()


def test_incident_round_trip_and_partial_updates(store: Store) -> None:
    store.save_incident(incident())
    store.update_incident("11111111-aaaa", analysis_status="done", rca_markdown="# RCA", root_cause_kind="error_rate")
    store.update_incident("11111111-aaaa", severity="SEV1", services=["checkout", "frontend"])
    got = store.get_incident("11111111-aaaa")
    assert (got.analysis_status, got.rca_markdown, got.root_cause_kind) == ("done", "# RCA", "error_rate")
    assert (got.severity, got.services) == ("SEV1", ["checkout", "frontend"])
    assert got.signals[0].value == 0.3
    assert got.start_time == 1000.0
    with pytest.raises(ValueError, match="Cannot update"):
        store.update_incident("11111111-aaaa", id="other")
    with pytest.raises(NotFoundError):
        store.get_incident("nope")


def test_list_filters_counts_and_prefix(store: Store) -> None:
    store.save_incident(incident("aaaa-1", status="RESOLVED", severity="SEV3", detected_at=1.0, start_time=1.0))
    store.save_incident(incident("bbbb-2", severity="SEV1", services=["frontend"], detected_at=2.0, start_time=2.0))
    assert [i.id for i in store.list_incidents()] == ["bbbb-2", "aaaa-1"]
    assert [i.id for i in store.list_incidents(statuses=["OPEN"])] == ["bbbb-2"]
    assert [i.id for i in store.list_incidents(severities=["SEV3"])] == ["aaaa-1"]
    assert [i.id for i in store.list_incidents(service="frontend")] == ["bbbb-2"]
    assert [i.id for i in store.list_incidents(since=1.5)] == ["bbbb-2"]
    assert store.incident_counts() == {"OPEN": 1, "INVESTIGATING": 0, "RESOLVED": 1}
    assert store.resolve_incident_id("bb") == "bbbb-2"
    with pytest.raises(NotFoundError):
        store.resolve_incident_id("zz")


def test_interrupted_analyses_are_flagged(store: Store) -> None:
    store.save_incident(incident("a", analysis_status="running"))
    store.save_incident(incident("b", analysis_status="done"))
    assert store.mark_interrupted_analyses() == ["a"]
    assert store.get_incident("a").analysis_status == "interrupted"


def test_agent_runs(store: Store) -> None:
    run = AgentRun(
        id="r1",
        incident_id="a",
        analysis_id="x",
        agent_name="monitoring",
        started_at=1.0,
        finished_at=2.0,
        latency_ms=12.5,
        status="ok",
        output_json={"anomalies": []},
    )
    store.save_agent_runs([run, run.model_copy(update={"id": "r2", "agent_name": "reporter", "status": "error"})])
    runs = store.agent_runs("a")
    assert [(r.agent_name, r.status, r.latency_ms) for r in runs] == [
        ("monitoring", "ok", 12.5),
        ("reporter", "error", 12.5),
    ]
    assert runs[0].output_json == {"anomalies": []}


def test_samples_logs_retention_and_hostile_text(store: Store) -> None:
    store.insert_metrics([MetricPoint(float(t), "checkout", "error_rate", t / 100) for t in range(10)])
    hostile = "<script>alert(1)</script>'; DROP TABLE incidents; --"
    store.insert_logs([LogEvent(5.0, "checkout", "ERROR", hostile, {"trace_id": "abc"})])
    frame = store.metrics_frame(3, 6)
    assert list(frame["ts"]) == [3.0, 4.0, 5.0, 6.0]
    (event,) = store.logs(0, 10, levels=["ERROR"])
    assert event.message == hostile and event.attrs == {"trace_id": "abc"}
    assert store.purge_before(5.0) == (5, 0)
    assert len(store.metrics_frame(0, 100)) == 5
    assert store.incident_counts()["OPEN"] == 0  # the table is still there


def test_faults_are_recorded_and_stopped(store: Store) -> None:
    store.save_fault(
        InjectedFault(id="f1", type="db_slow", target="postgres", intensity=1, started_at=10, expires_at=100)
    )
    store.mark_faults_stopped(50.0, "f1")
    (fault,) = store.faults(0, 1000)
    assert fault.stopped_at == 50.0
    assert store.faults(60, 1000) == []


@pytest.mark.slow
def test_locked_file_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "locked.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import duckdb, sys, time
            con = duckdb.connect({str(path)!r})
            print("ready", flush=True)
            sys.stdin.read()
        """),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreLockedError, match=r"in use by another process.*INCIDENT_DB_PATH"):
            Store(path)
    finally:
        holder.stdin.close()
        holder.wait(10)


def test_corrupt_file_is_reported_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.duckdb"
    path.write_bytes(b"not a database" * 100)
    with pytest.raises(StoreError, match="left untouched"):
        Store(path)
    assert path.read_bytes() == b"not a database" * 100


def test_a_new_migration_upgrades_an_existing_file_without_losing_data(tmp_path, monkeypatch) -> None:
    from core.store import store as store_module

    path = tmp_path / "old.duckdb"
    old = Store(path)
    old.save_incident(incident())
    old.close()
    upgraded = [*MIGRATIONS, (99, "add a column", ["ALTER TABLE incidents ADD COLUMN team VARCHAR"])]
    monkeypatch.setattr(store_module, "MIGRATIONS", upgraded)
    new = Store(path)
    assert new.schema_version() == 99
    assert new.get_incident("11111111-aaaa").services == ["checkout"]
    new.close()


def test_a_failing_migration_rolls_back_and_keeps_the_file_usable(tmp_path, monkeypatch) -> None:
    from core.store import store as store_module

    path = tmp_path / "db.duckdb"
    Store(path).close()
    broken = [*MIGRATIONS, (99, "broken", ["ALTER TABLE incidents ADD COLUMN ok VARCHAR", "SELEC nonsense"])]
    monkeypatch.setattr(store_module, "MIGRATIONS", broken)
    with pytest.raises(StoreError):
        Store(path)
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS)
    again = Store(path)
    assert again.schema_version() == MIGRATIONS[-1][0]
    again.save_incident(incident())  # the half-applied column was rolled back: the insert still fits
    again.close()


def test_open_incidents_follow_every_write_and_are_copies(store: Store) -> None:
    assert store.open_incidents() == []
    store.save_incident(incident())
    store.save_incident(incident("22222222-bbbb", detected_at=1020.0, status="INVESTIGATING"))
    assert [i.id for i in store.open_incidents()] == ["11111111-aaaa", "22222222-bbbb"]
    store.open_incidents()[0].services.append("mutated")  # a caller's copy, not the store's
    assert store.open_incidents()[0].services == ["checkout"]
    store.update_incident("11111111-aaaa", status="RESOLVED", end_time=1100.0)
    assert [i.id for i in store.open_incidents()] == ["22222222-bbbb"]
    store.update_incident("22222222-bbbb", analysis_status="running")
    assert "22222222-bbbb" in store.mark_interrupted_analyses()
    assert store.open_incidents()[0].analysis_status == "interrupted"


def test_an_open_incidents_read_overtaken_by_a_write_is_not_kept(store: Store, monkeypatch) -> None:
    store.save_incident(incident())
    read = store.list_incidents

    def read_then_resolved_meanwhile(**filters: object) -> list[Incident]:
        rows = read(**filters)
        store.update_incident("11111111-aaaa", status="RESOLVED", end_time=1100.0)  # lands mid-read
        return rows

    monkeypatch.setattr(store, "list_incidents", read_then_resolved_meanwhile)
    assert len(store.open_incidents()) == 1  # what was open when the read began
    monkeypatch.undo()
    assert store.open_incidents() == []


def test_every_analysis_is_kept_as_a_revision_and_the_latest_is_the_incidents(store: Store) -> None:
    store.save_incident(incident("inc-1"))
    assert store.open_incidents()[0].root_cause_kind is None  # now cached until the next write
    first = revised(rich_view(), Revising(1, "opened", 1010.0)).model_copy(update={"analysis_id": "a-1"})
    store.save_analysis(first, "# first", 1010.0)
    second = revised(rich_view(), Revising(2, "scheduled", 1025.0, first)).model_copy(update={"analysis_id": "a-2"})
    saved = store.save_analysis(second, "# second", 1025.0)
    assert saved.rca_markdown == "# second" and saved.final_summary is not None and saved.final_summary.revision == 2
    assert (saved.root_cause_service, saved.root_cause_kind) == ("checkout", "error_rate")
    assert store.open_incidents()[0].root_cause_kind == "error_rate"  # a revision is a write to the incident
    revisions = store.revisions("inc-1")
    assert [(r.number, r.reason, r.analysis_id, r.markdown) for r in revisions] == [
        (1, "opened", "a-1", "# first"),
        (2, "scheduled", "a-2", "# second"),
    ]
    assert revisions[1].view is not None and revisions[1].view.changes is not None
    assert store.latest_revision("inc-1") == revisions[1]
    with pytest.raises(StoreError):  # the same analysis twice: nothing changes
        store.save_analysis(second.model_copy(update={"revision": 3}), "# again", 1030.0)
    assert [r.number for r in store.revisions("inc-1")] == [1, 2] and store.get_incident(
        "inc-1"
    ).rca_markdown == "# second"
    with pytest.raises(NotFoundError):
        store.revisions("nope")
