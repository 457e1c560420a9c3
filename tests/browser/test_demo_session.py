"""A demo session on a projector: eight faults pressed back to back, then the Dashboard and one incident's report
at 1280×720, saved as screenshots (named in pytest's summary) and checked for what keeps them readable.

Faults last 6 s and the server polls every second and resolves an incident after 5 s of normal signals, so that
eight faults make several incidents in about three minutes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.app_server import running_app, screenshot_folder
from tests.browser.helpers import SUMMARY_LINES, TIMEOUT_MS, download, open_page, wait_idle, watch_dialogs

pytestmark = pytest.mark.browser

PROJECTOR = {"width": 1280, "height": 720}
KINDS = (  # db_slow first: its incident, the report shown, starts on a quiet shop
    "db_slow",
    "error_rate",
    "latency_spike",
    "memory_leak",
    "dependency_down",
    "cpu_saturation",
    "cache_failure",
    "bad_deploy",
)
FAULT_SECONDS = 6
#: Seconds from one press to the next: the fault, the signals back to normal over a 10 s window, 5 s to resolve.
PACE_SECONDS = 18
SETTINGS = {"DETECTION_INTERVAL_SECONDS": "1", "CONFIRMATION_SECONDS": "2", "RESOLVE_AFTER_SECONDS": "5"}
#: The dashboard's chart as Plotly drew it: its traces and layout, read in the page.
FIGURE_JS = """() => {
  const plots = [...document.querySelectorAll('.st-key-dash_grid .js-plotly-plot')];
  const plot = plots.find(p => p.offsetParent !== null && p.data);  // a rerun may keep a hidden copy a moment
  return plot ? {data: plot.data.map(t => ({type: t.type, n: (t.x || []).length, size: t.marker && t.marker.size,
    customdata: t.customdata || []})), annotations: (plot.layout.annotations || []).length,
    rows: Object.keys(plot.layout).filter(k => /^yaxis\\d*$/.test(k)).length} : null;
}"""
MAIN_HEIGHT_JS = "document.querySelector('[data-testid=stMain]').scrollHeight"


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A fresh app (empty database) that detects within seconds and resolves 5 s after the signals calm."""
    folder, screenshots = screenshot_folder(tmp_path_factory, "session")
    with running_app(folder, folder / "session.duckdb", SETTINGS) as url:
        yield url, screenshots


def inject(page: Page, kind: str) -> None:
    """Press a fault's button on the Fault injection page with a short duration."""
    page.locator(f".st-key-faults_duration_{kind} input").fill(str(FAULT_SECONDS))
    page.locator(f".st-key-faults_inject_{kind} button").click()
    expect(page.get_by_text(f"Injected {kind}")).to_be_visible()


def projector_shot(page: Page, folder: Path, name: str) -> Path:
    """What a 1280×720 projector shows, and the whole page beside it (``-full``)."""
    expect(page.locator("[data-testid='stSkeleton']")).to_have_count(0, timeout=TIMEOUT_MS)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    height = page.evaluate(MAIN_HEIGHT_JS)
    page.set_viewport_size({"width": PROJECTOR["width"], "height": height})
    page.wait_for_timeout(500)
    page.screenshot(path=str(folder / f"{name}-full.png"))
    page.set_viewport_size(PROJECTOR)
    return path


def dashboard_figure(page: Page) -> dict[str, Any]:
    """The dashboard's grid once Plotly has drawn it."""
    return page.wait_for_function(FIGURE_JS, timeout=TIMEOUT_MS).json_value()


def test_eight_faults_back_to_back_leave_dashboard_and_report_readable(
    browser: Browser, session: tuple[str, Path], tmp_path: Path
) -> None:
    url, screenshots = session
    context = browser.new_context(viewport=PROJECTOR, accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        dialogs = watch_dialogs(page)
        open_page(page, f"{url}/faults")
        for kind in KINDS:
            inject(page, kind)
            page.wait_for_timeout(PACE_SECONDS * 1000)

        open_page(page, url)
        links = page.locator("a[href*='incident?id=']")
        expect(links.nth(2)).to_be_visible()  # several incidents, not one that swallowed every fault
        figure = dashboard_figure(page)
        faults = [d for t in figure["data"] if t["type"] == "bar" for d in t["customdata"] if d.startswith("fault ")]
        columns = 3
        assert len(faults) == len(KINDS) * columns  # every fault is a bar of the band above each column
        service_rows = figure["rows"] // columns - 1
        # Labels: a title per column and a name per panel, none per fault or incident (they are in the band).
        assert figure["annotations"] == columns + service_rows * columns
        assert all(t["size"] is None or t["size"] <= 8 for t in figure["data"] if t["type"] == "scatter")
        dashboard = projector_shot(page, screenshots, "12-projector-dashboard")

        # Newest first: the last naming db_slow is the db_slow fault's own (later ones may see it in their window).
        slow = [a.get_attribute("href") for a in links.filter(has_text="db_slow on postgres").all()]
        href = slow[-1] if slow else links.first.get_attribute("href")
        open_page(page, f"{url}/{href}")
        expect(page.get_by_text(re.compile(r"analysis: (done|partial)"))).to_be_visible()
        wait_idle(page)
        lead = [page.get_by_role("heading", name=name, exact=True) for name in ("Executive Summary", "Root Cause")]
        lead.append(page.get_by_role("heading", name="Immediate Actions", exact=True))
        tops = [heading.bounding_box()["y"] for heading in lead]
        patterns = page.get_by_role("heading", name="Log patterns", exact=True).bounding_box()["y"]
        assert tops == sorted(tops) and tops[-1] < patterns  # summary, cause and actions before anything else
        expect(page.get_by_text("Detected after first sign")).to_be_visible()
        height = page.evaluate(MAIN_HEIGHT_JS)
        report = projector_shot(page, screenshots, "13-projector-report")
        markdown = download(page, "inc_download_md", tmp_path)
        heads = [i for i, line in enumerate(markdown.splitlines()) if line.startswith("## ")]
        assert markdown.splitlines()[heads[2]] == "## Immediate Actions" and heads[2] < 40
        SUMMARY_LINES.append(f"projector screenshots (1280x720): {dashboard} {report}")
        SUMMARY_LINES.append(f"incident report page height at 1280x720: {height} px")
        assert dialogs == []
    finally:
        context.close()
