"""Exports of one incident (Markdown, HTML, JSON, a CSV row) and of the incident list (CSV), through the store
and through the command line on an incident that a real simulation stored."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from benchmarks.ui_seed import HOSTILE, HOSTILE_TEXT, analysed_incident
from core.config import Settings
from core.models import Feedback
from core.report.escape import csv_cell
from core.report.exports import FORMATS, export_incident, incidents_csv
from core.store import Store

NOW = 1_800_000_000.0


def test_csv_lists_incidents_with_feedback_and_defuses_formulas() -> None:
    incident, _ = analysed_incident(NOW, start=NOW - 600, title='=HYPERLINK("http://x")')
    other, _ = analysed_incident(NOW, start=NOW - 900, service="cache")
    feedback = {
        incident.id: Feedback(incident_id=incident.id, verdict="wrong", actual_cause="db_slow", by="a", created_at=NOW)
    }
    rows = list(csv.DictReader(io.StringIO(incidents_csv([incident, other], feedback).decode())))
    assert [r["id"] for r in rows] == [incident.id, other.id]
    assert rows[0]["title"].startswith("'=")  # shown as text by a spreadsheet
    assert (rows[0]["feedback"], rows[0]["actual_cause"]) == ("wrong", "db_slow")
    assert rows[1]["feedback"] == "" and rows[1]["services"] == "cache"
    assert csv_cell("-1") == "'-1" and csv_cell("checkout") == "checkout" and csv_cell(None) == ""


@pytest.fixture
def hostile_store(tmp_path: Path):
    store = Store(tmp_path / "exports.duckdb")
    incident, runs = analysed_incident(NOW, start=NOW - 600, service=HOSTILE_TEXT, summary=HOSTILE_TEXT)
    store.save_incident(incident)
    store.save_agent_runs(runs)
    store.save_feedback(Feedback(incident_id=incident.id, verdict="wrong", actual_cause=HOSTILE_TEXT, created_at=NOW))
    yield store, incident
    store.close()


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_exports_a_stored_incident_without_running_its_text(hostile_store, fmt: str) -> None:
    store, incident = hostile_store
    name, mime, content = export_incident(store, incident.id, fmt, settings=Settings(), now=NOW)
    assert name.startswith(f"incident-{incident.id[:8]}") and name.endswith(
        {"md": ".md", "html": ".html"}.get(fmt, f".{fmt}")
    )
    text = content.decode()
    if fmt in ("md", "html"):
        prose = re.sub(r"`[^`\n]*`", "", text)  # inline code shows its text as it is and renders no HTML
        assert not any(raw in prose for raw in HOSTILE)
    if fmt == "md":
        assert text == incident.rca_markdown and mime == "text/markdown"
    elif fmt == "html":
        assert text.startswith("<!DOCTYPE html>") and "<h2>Agent runs</h2>" in text
        assert text.count("<td>reporter</td>") == 1  # the runs of the analysis the report belongs to
    elif fmt == "json":
        document = json.loads(text)
        assert document["incident"]["final_summary"]["header"]["title"] == incident.title
        assert [c["kind"] for c in document["incident"]["final_summary"]["root_cause"]["causes"]] == [
            "error_rate",
            "db_slow",
        ]
        assert len(document["agent_runs"]) == 5 and document["feedback"][0]["actual_cause"] == HOSTILE_TEXT
    else:
        [row] = list(csv.DictReader(io.StringIO(text)))
        assert (row["id"], row["feedback"], row["actual_cause"]) == (incident.id, "wrong", HOSTILE_TEXT)


def test_an_unknown_format_is_refused_with_the_choices(hostile_store) -> None:
    store, incident = hostile_store
    with pytest.raises(ValueError, match="use one of md, html, json, csv"):
        export_incident(store, incident.id, "pdf", settings=Settings(), now=NOW)


# --- The command line, on an incident a simulation stored ----------------------------------------


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "core.cli", *args], capture_output=True, text=True, timeout=240)


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    db = tmp_path_factory.mktemp("simulated") / "sim.duckdb"
    done = cli("simulate", "--fault", "db_slow", "--duration", "120", "--seed", "1", "--json", "--db", str(db))
    assert done.returncode == 0, done.stderr
    [incident] = json.loads(done.stdout)["incidents"]
    return db, incident


@pytest.mark.slow
def test_cli_exports_html_with_the_charts_of_a_stored_incident(simulated, tmp_path: Path) -> None:
    db, incident = simulated
    out = tmp_path / "report.html"
    done = cli("incidents", "export", incident["id"][:8], "--format", "html", "--db", str(db), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert f"suggested name incident-{incident['id'][:8]}-report.html" in done.stderr
    page = out.read_text()
    assert page.count("Plotly.newPlot") == 1 and re.search(r"<script[^>]+src=", page) is None  # self-contained grid
    assert "No samples in this time range yet" not in page  # the stored metrics are charted
    assert "<h3>1. db_slow on postgres</h3>" in page
    assert "after the injected fault (db_slow on postgres, 12:05:00 UTC)" in page  # the fault the simulation injected
    with closing(Store(db)) as store:
        view = store.get_incident(incident["id"]).final_summary
    assert view is not None
    listed = re.findall(r"<tr><td>(?:ERROR|WARN|INFO)</td>", page)
    assert len(listed) == len(view.listed_patterns()) > 0  # the patterns the Markdown lists
    markdown = cli("incidents", "export", incident["id"], "--db", str(db))
    assert markdown.returncode == 0 and markdown.stdout == incident["rca_markdown"]


@pytest.mark.slow
def test_cli_exports_a_csv_row_and_refuses_an_unknown_format(simulated) -> None:
    db, incident = simulated
    done = cli("incidents", "export", incident["id"], "--format", "csv", "--db", str(db))
    assert done.returncode == 0, done.stderr
    [row] = list(csv.DictReader(io.StringIO(done.stdout)))
    assert (row["id"], row["root_cause_kind"], row["root_cause_service"]) == (incident["id"], "db_slow", "postgres")
    refused = cli("incidents", "export", incident["id"], "--format", "pdf", "--db", str(db))
    assert refused.returncode == 2 and "invalid choice: 'pdf'" in refused.stderr
