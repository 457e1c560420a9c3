"""The self-contained HTML report: sections present, untrusted text escaped, no network."""

import re

from benchmarks.ui_seed import HOSTILE, HOSTILE_TEXT, analysed_incident
from core.models import Feedback
from core.report.charts import metric_figure
from core.report.html_page import render_html
from core.report.markdown import render_markdown
from core.report.view import ReportView
from tests.report.views import T0, incident, partial_view, rich_view

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
    return render_html(incident.final_summary, runs=runs, figures=figures, feedback=feedback, now=NOW)


def test_every_section_is_present() -> None:
    page = hostile_report(with_chart=False)
    sections = (
        "Executive summary",
        "Root cause",
        "Immediate actions",
        "Charts",
        "Log patterns",
        "Timeline",
        "Hypotheses",
        "Prevention",
        "Incident facts",
        "Agent runs",
        "Feedback on the RCA",
    )
    assert re.findall(r"<h2>(.+?)</h2>", page) == list(sections)  # summary, cause and actions first
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


def test_a_rich_view_lists_the_patterns_the_markdown_lists() -> None:
    view = rich_view()
    page = render_html(view, now=T0 + 100)
    markdown = render_markdown(view)
    listed_html = re.findall(r"<td>(Unhandled exception \d+ in &lt;\*&gt; \| `boom`)</td>", page)
    listed_md = re.findall(r"^\| (Unhandled exception \d+) in", markdown, flags=re.MULTILINE)
    assert [t.split(" in ")[0] for t in listed_html] == listed_md and len(listed_md) == 15
    assert "8 more templates not shown (routine or less significant)." in page
    assert "<h3>2. db_slow on postgres</h3>" in page and "width:30%" in page
    assert "error rate up; p95 up" in page  # the same timeline rows as the Markdown
    assert "<td>Root cause</td><td>error_rate on checkout (70% confidence)</td>" in page
    assert "Most likely root cause: error_rate in checkout (70% confidence). First action: Roll back checkout." in page
    assert "<h3>The other 10 listed patterns</h3>" in page
    key = page.split("<h2>Root cause</h2>")[1].split("<h2>")[0]
    assert key.count("checkout error_rate rose") == 3 and "Alternatives: error_rate on payments (5%)." in key


def test_a_partial_view_names_the_gap_of_each_missing_section() -> None:
    page = render_html(partial_view(), now=T0 + 100)
    assert "The root-cause agent produced no output (failed: RootCauseAgent failed: TimeoutError: 30 s)." in page
    assert "The log-analysis agent produced no output (did not run)." in page
    assert "The mitigation agent produced no output (failed: no root cause to act on)." in page
    assert "<td>Root cause</td><td>not identified</td>" in page


def test_a_pending_incident_renders_its_header_and_signals() -> None:
    page = render_html(ReportView.pending(incident()), now=T0 + 100)
    assert "No summary: the analysis has not finished." in page
    assert "<td>5xx up</td>" in page and "<td>Duration</td><td>100 s</td>" in page
