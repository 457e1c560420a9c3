"""The view through the DuckDB store: written as the incident's final_summary, read back as the same view; old
summaries read leniently, from a database file written by the code before the view existed.

``data/store_b24ce12.duckdb.gz`` was written by the code of commit b24ce12: a ``simulate --fault db_slow
--duration 300 --seed 1`` incident (its agent runs and a feedback), ``benchmarks.ui_seed``'s incident whose
summary held the hypotheses only (``old-partial-summary``), and one never analysed (``old-pending``).
``data/store_b24ce12.root_causes.json`` is what that code's ``simulate --json`` printed as ``root_causes``.
"""

from __future__ import annotations

import gzip
import json
import shutil
from contextlib import closing
from pathlib import Path

import duckdb
import pytest

from core.config import Settings
from core.models import Incident, root_causes
from core.report.exports import export_incident
from core.report.view import ReportView
from core.store import Store
from core.store.migrations import MIGRATIONS
from tests.report.views import T0, incident, partial_view, rich_view

DATA = Path(__file__).parent / "data"
OLD_INCIDENT = "cd613e30-d8f1-4adf-91b7-584a2265b1f5"


@pytest.fixture
def store(tmp_path: Path):
    opened = Store(tmp_path / "incidents.duckdb")
    yield opened
    opened.close()


@pytest.fixture
def old_db(tmp_path: Path) -> Path:
    path = tmp_path / "old.duckdb"
    with gzip.open(DATA / "store_b24ce12.duckdb.gz") as packed, path.open("wb") as out:
        shutil.copyfileobj(packed, out)
    return path


def _stored_text(path: Path, incident_id: str) -> tuple[str | None, str | None]:
    with duckdb.connect(str(path), read_only=True) as con:
        row = con.execute(
            "SELECT final_summary_json, rca_markdown FROM incidents WHERE id = ?", [incident_id]
        ).fetchone()
    assert row is not None
    return row[0], row[1]


@pytest.mark.parametrize("make", [rich_view, partial_view], ids=["rich", "partial"])
def test_a_view_round_trips_through_the_store(store: Store, make) -> None:
    view = make()
    store.save_incident(incident(final_summary=view, rca_markdown="# report"))
    assert store.get_incident("inc-1").final_summary == view
    store.update_incident("inc-1", final_summary=rich_view(), status="RESOLVED", end_time=T0 + 300)
    again = store.get_incident("inc-1").final_summary
    assert again is not None and again.causes == rich_view().causes and again.gaps == []
    assert (again.header.status, again.header.end_time) == ("RESOLVED", T0 + 300)  # header facts: the row's


def test_an_incident_without_a_report_reads_back_none(store: Store) -> None:
    store.save_incident(incident())
    assert store.get_incident("inc-1").final_summary is None


def test_a_database_written_by_the_old_code_still_opens(old_db: Path) -> None:
    before = _stored_text(old_db, OLD_INCIDENT)
    opened = Store(old_db)
    try:
        # migrations after 3 add tables (alerts, analyses); none rewrites a summary: the stored text is compared below
        assert opened.schema_version() == MIGRATIONS[-1][0]
        old = opened.get_incident(OLD_INCIDENT)
        view = old.final_summary
        assert view is not None and view.status == "done" and view.analysis_id
        top = view.top_cause
        assert top is not None and (top.kind, top.service) == ("db_slow", "postgres") and top.name == "Slow database"
        assert len(view.anomalies) == 16 and len(view.timeline) == 29 and view.logs is not None
        assert len(view.logs.patterns) == 41 and view.listed_patterns() and view.logs.total_lines is None
        assert view.actions is not None and view.first_action is not None and view.gaps == []
        assert set(view.agents) == {"monitoring", "log_analysis", "root_cause", "mitigation", "reporter"}
        assert view.summary == "RCA report: db_slow on postgres (95%)."
        recorded = json.loads((DATA / "store_b24ce12.root_causes.json").read_text())[OLD_INCIDENT]
        assert [c.model_dump(mode="json") for c in root_causes(old)] == recorded  # what simulate --json printed
        settings = Settings()
        markdown = export_incident(opened, OLD_INCIDENT, "md", settings=settings, now=old.detected_at + 60)
        assert markdown.content.decode() == before[1]
        page = export_incident(opened, OLD_INCIDENT, "html", settings=settings, now=old.detected_at + 60).content
        assert b"<h3>1. db_slow on postgres</h3>" in page and b"No samples in this time range yet" in page
        assert len(opened.feedback(OLD_INCIDENT)) == 1
        (kept,) = opened.revisions(OLD_INCIDENT)  # the report stored before revisions existed is revision 1
        assert (kept.number, kept.reason, kept.analysis_id) == (1, None, view.analysis_id)
        assert kept.markdown == before[1] and kept.view is not None and kept.view.top_cause == top
    finally:
        opened.close()
    assert _stored_text(old_db, OLD_INCIDENT) == before  # reading changed nothing


def test_old_partial_and_missing_summaries_open(old_db: Path) -> None:
    opened = Store(old_db)
    try:
        partial = opened.get_incident("old-partial-summary").final_summary
        assert partial is not None and [c.kind for c in partial.causes] == ["error_rate", "db_slow"]
        assert partial.logs is None and partial.actions is None and partial.agents == {}
        assert [e.source for e in partial.timeline] == ["detection"]  # the incident's signal
        assert opened.get_incident("old-pending").final_summary is None
        assert [r.number for r in opened.revisions("old-partial-summary")] == [1]
        assert opened.revisions("old-pending") == [] and opened.latest_revision("old-pending") is None
        page = export_incident(opened, "old-pending", "html", settings=Settings(), now=T0)
        assert "No summary: the analysis has not finished." in page.content.decode()
    finally:
        opened.close()


@pytest.mark.parametrize(
    ("stored", "expected_causes"),
    [
        ('{"hypotheses": [{"service": "x", "kind": "db_slow", "confidence": 2.0, "summary": "bad"}]}', 0),
        ('{"hypotheses": [{"service": "x", "kind": "db_slow", "confidence": 0.4, "summary": "ok"}, 7]}', 1),
        ('{"version": 2, "header": "garbage"}', 0),
        ('"a string"', None),
        ("[1, 2]", None),
    ],
    ids=["invalid-item", "one-good-item", "broken-view", "string", "list"],
)
def test_unreadable_summaries_lose_only_what_cannot_be_read(
    tmp_path: Path, stored: str, expected_causes: int | None
) -> None:
    path = tmp_path / "hand-edited.duckdb"
    with closing(Store(path)) as written:
        written.save_incident(incident())
    with duckdb.connect(str(path)) as con:  # as a hand edit or another version would leave it
        con.execute("UPDATE incidents SET final_summary_json = ? WHERE id = 'inc-1'", [stored])
    with closing(Store(path)) as opened:
        view = opened.get_incident("inc-1").final_summary
    if expected_causes is None:
        assert view is None
    else:
        assert isinstance(view, ReportView) and len(view.causes) == expected_causes
        assert view.header.title == incident().title
    assert _stored_text(path, "inc-1")[0] == stored  # nothing rewritten


def test_an_old_partial_analysis_keeps_its_gaps_and_drops_the_failed_part(tmp_path: Path) -> None:
    stored = {
        "anomalies": [],
        "patterns": [],
        "hypotheses": [],
        "no_cause_reason": None,
        "actions": {"immediate": [{"title": "Look at checkout"}], "long_term": []},
        "agents": {"root_cause": {"status": "error", "error": "boom", "summary": "", "llm": None}},
        "gaps": [{"agent": "root_cause", "error": "boom"}],
        "analysis_id": "a-1",
        "status": "partial",
        "root_cause": None,
    }
    path = tmp_path / "partial.duckdb"
    with closing(Store(path)) as written:
        written.save_incident(incident())
    with duckdb.connect(str(path)) as con:
        con.execute("UPDATE incidents SET final_summary_json = ? WHERE id = 'inc-1'", [json.dumps(stored)])
    with closing(Store(path)) as opened:
        view = opened.get_incident("inc-1").final_summary
    assert view is not None and view.status == "partial" and view.analysis_id == "a-1"
    assert view.root_cause is None and [(g.agent, g.reason) for g in view.gaps] == [("root_cause", "failed: boom")]
    assert view.logs is not None and view.first_action is not None and view.first_action.title == "Look at checkout"
    assert view.agents["root_cause"].status == "error"


def test_an_incident_recorded_as_json_by_the_old_code_validates() -> None:
    """Scenario folders (and JSON exports) hold incidents whose summary has the version-1 shape."""
    recorded = json.loads((Path(__file__).parents[1] / "scenarios/latency-deep-callee/scenario.json").read_text())
    old = Incident.model_validate(recorded["incident"])
    view = old.final_summary
    assert view is not None and view.header.incident_id == old.id and view.header.title == old.title
    assert view.causes and view.causes[0].kind == recorded["incident"]["final_summary"]["hypotheses"][0]["kind"]
    assert Incident.model_validate(old.model_dump(mode="json")) == old  # and once read, it round-trips
