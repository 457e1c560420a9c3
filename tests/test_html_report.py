"""The self-contained HTML report and the CSV export: sections present, untrusted text escaped, no network."""

import csv
import io
import re

from app.charts import metric_figure
from benchmarks.ui_seed import HOSTILE, HOSTILE_TEXT, analysed_incident
from core.export import csv_cell, incidents_csv
from core.html_report import render_html
from core.models import Feedback

NOW = 1_800_000_000.0


def hostile_report(with_chart: bool = True) -> str:
    incident, runs = analysed_incident(
        NOW, start=NOW - 600, service=HOSTILE_TEXT, log_line=f"ERROR {HOSTILE_TEXT}", summary=HOSTILE_TEXT
    )
    feedback = [Feedback(incident_id=incident.id, verdict="wrong", actual_cause=HOSTILE_TEXT, by="a", created_at=NOW)]
    figures = []
    if with_chart:
        import pandas as pd

        frame = pd.DataFrame(
            {"ts": [NOW - 60, NOW], "service": [HOSTILE_TEXT] * 2, "metric": ["error_rate"] * 2, "value": [0.1, 0.3]}
        )
        figures = [metric_figure(frame, "error_rate")]
    return render_html(incident, runs, figures=figures, feedback=feedback, now=NOW)


def test_every_section_is_present() -> None:
    page = hostile_report(with_chart=False)
    for section in (
        "Executive summary",
        "Charts",
        "Hypotheses",
        "Log patterns",
        "Mitigation",
        "Timeline",
        "Agent runs",
        "Feedback on the RCA",
    ):
        assert f"<h2>{section}</h2>" in page
    assert "width:82%" in page  # the confidence bar of the first hypothesis


def test_untrusted_text_is_escaped_everywhere() -> None:
    page = hostile_report()
    for raw in HOSTILE:
        assert raw not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 8  # title, services, summary, log lines, feedback…
    # Chart data sits in <script> as JSON (labels as entities, < as \u003c): no string opens a tag or ends the script.
    charts = [s for s in re.findall(r"<script[^>]*>(.*?)</script>", page, flags=re.S) if "Plotly.newPlot" in s]
    assert charts and all("<img" not in s and "<script" not in s and "</" not in s for s in charts)


def test_charts_are_inline_and_nothing_is_fetched() -> None:
    page = hostile_report()
    assert "Plotly.newPlot" in page
    assert re.search(r"<script[^>]+src=", page) is None
    assert "<link" not in page


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
