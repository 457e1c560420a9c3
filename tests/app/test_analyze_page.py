"""The "Analyze a file" page: renders, analyses a generated sample, and shows causes, charts, report, downloads."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app.formatting import md_escape
from core.offline.sample import generate

PAGE = "../pages/analyze.py"


def _no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _open(app: AppTest) -> AppTest:
    app.run()
    app.switch_page(PAGE).run()
    _no_exception(app)
    return app


def test_page_renders_with_upload_and_sample_controls(app: AppTest) -> None:
    at = _open(app)
    assert at.title[0].value == "Analyze a file"
    assert at.button(key="analyze_run").disabled  # nothing uploaded yet
    assert at.button(key="analyze_sample")
    assert len(at.get("file_uploader")) == 3
    assert not at.tabs  # no result yet


@pytest.mark.slow
@pytest.mark.parametrize("choice", ["CPU hog on one service", "Memory hog on one service"])
def test_sample_hog_is_named_first_with_charts_report_and_downloads(app: AppTest, choice: str) -> None:
    at = _open(app)
    at.selectbox(key="analyze_sample_kind").set_value(choice)
    at.button(key="analyze_sample").click().run()
    _no_exception(at)
    truth = next(c.value for c in at.caption if "The sample has a" in c.value)
    hog, culprit = truth.removeprefix("The sample has a ").split(";")[0].split(" hog on ")
    assert [t.label for t in at.tabs] == ["Root causes", "Charts", "Report"]
    first = next(e for e in at.expander if e.label.startswith("1. "))
    assert first.label.startswith(f"1. **{hog}** on **{md_escape(culprit)}**"), first.label
    assert first.markdown and all(m.value.startswith("- ") for m in first.markdown)
    assert len(at.get("plotly_chart")) >= 1
    assert any(f"**{culprit}**" in m.value for m in at.tabs[2].markdown)
    assert len(at.get("download_button")) == 2


@pytest.mark.slow
def test_fault_free_sample_reports_no_cause(app: AppTest) -> None:
    at = _open(app)
    at.selectbox(key="analyze_sample_kind").set_value("No fault")
    at.button(key="analyze_sample").click().run()
    _no_exception(at)
    assert any(info.value.startswith("**No cause found.**") for info in at.info)


def _upload(at: AppTest, name: str, content: bytes) -> AppTest:
    (uploader,) = [u for u in at.file_uploader if u.key == "analyze_metrics"]
    uploader.set_value((name, content, "text/csv"))
    at.run()
    at.button(key="analyze_run").click().run()
    _no_exception(at)
    return at


@pytest.mark.slow
def test_uploaded_file_is_analysed(app: AppTest) -> None:
    sample = generate(11, hog="memory")
    at = _upload(_open(app), "upload.csv", sample.to_csv())
    assert at.subheader[0].value.startswith("Result for upload")
    first = next(e for e in at.expander if e.label.startswith("1. "))
    assert first.label.startswith(f"1. **memory** on **{md_escape(str(sample.culprit))}**"), first.label


def test_bad_upload_says_what_is_wrong_and_what_to_do(app: AppTest) -> None:
    at = _upload(_open(app), "bad.csv", b"time,carts_cpu\n1,2\n2,oops\n")
    (error,) = at.error
    assert "bad.csv: line 3, column 'carts_cpu': 'oops': not a number" in error.value
    assert "**What to do:**" in error.value
    assert not at.tabs  # no stale result shown
