"""The dashboard in Chromium: fault → incident → report downloads → feedback → resolve, seen from two browsers;
hostile text in a log line, a service name and an LLM summary stays text in the page and in the exports.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from benchmarks.ui_seed import HOSTILE
from tests.browser.conftest import XSS_TITLE, Server
from tests.browser.helpers import TIMEOUT_MS, download, open_page, wait_idle, watch_dialogs

pytestmark = pytest.mark.browser

#: Streamlit scrolls inside its own container, so a tall viewport is what makes a screenshot show the page.
VIEWPORT = {"width": 1400, "height": 1800}
CODE_SPAN = re.compile(r"`[^`\n]*`")
ESCAPED = ("&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(1)&gt;")


def new_context(browser: Browser, **options: object) -> BrowserContext:
    """A fresh browser profile (its own cookies and session) with generous timeouts."""
    context = browser.new_context(viewport=VIEWPORT, **options)
    context.set_default_timeout(TIMEOUT_MS)
    return context


def shot(page: Page, server: Server, name: str) -> None:
    """A full-page screenshot once the widgets have replaced their loading placeholders."""
    expect(page.locator("[data-testid='stSkeleton']")).to_have_count(0, timeout=TIMEOUT_MS)
    page.screenshot(path=str(server.screenshots / f"{name}.png"), full_page=True)


def test_fault_to_resolved_incident_seen_by_two_browsers(browser: Browser, server: Server, tmp_path: Path) -> None:
    first, second = new_context(browser), new_context(browser)
    try:
        page, other = first.new_page(), second.new_page()
        dialogs = watch_dialogs(page)
        open_page(other, f"{server.url}/faults")
        open_page(page, f"{server.url}/faults")
        shot(page, server, "01-faults")

        page.locator(".st-key-faults_inject_error_rate button").click()
        expect(page.get_by_text("Injected error_rate")).to_be_visible()
        # The other browser sees the active fault within one refresh of its panel.
        expect(other.get_by_text(re.compile(r"error_rate\s+on"))).to_be_visible()
        shot(other, server, "02-faults-other-browser")

        open_page(page, server.url)
        new_incident = page.locator("a[href*='incident?id=']").filter(has_not_text="XSS probe").first
        expect(new_incident).to_be_visible()
        shot(page, server, "03-dashboard")
        href = new_incident.get_attribute("href") or ""
        incident_id = href.split("id=")[-1]
        new_incident.click()
        expect(page.get_by_text(re.compile(r"analysis: (done|partial)"))).to_be_visible()
        wait_idle(page)
        expect(page.locator(".st-key-inc_download_html button").first).to_be_visible()
        shot(page, server, "04-incident")

        markdown = download(page, "inc_download_md", tmp_path)
        assert markdown.startswith("# RCA: ")
        assert "## Root Cause" in markdown and "## Immediate Actions" in markdown
        report = download(page, "inc_download_html", tmp_path)
        assert report.startswith("<!DOCTYPE html>")
        assert "Hypotheses" in report and incident_id in report
        assert "Plotly.newPlot" in report and 'src="http' not in report  # charts inline, nothing fetched

        page.get_by_role("tab", name="Feedback").click()
        page.locator(".st-key-inc_fb_who input").fill("alice")
        page.locator(".st-key-inc_fb_send button").click()
        expect(page.get_by_text("Feedback recorded: the RCA is right")).to_be_visible()
        shot(page, server, "05-incident-feedback")

        page.get_by_text("Acknowledge or resolve").click()
        page.locator(".st-key-inc_who input").fill("bob")
        page.locator(".st-key-inc_note textarea").fill("rolled back")
        page.locator(".st-key-inc_resolve button").click()
        expect(page.get_by_text("Resolved by bob.")).to_be_visible()
        shot(page, server, "06-incident-resolved")

        open_page(other, f"{server.url}/incident?id={incident_id}")
        expect(other.get_by_text("RESOLVED").first).to_be_visible()
        expect(other.get_by_text(re.compile(r"RCA feedback: ✓ right by alice"))).to_be_visible()
        shot(other, server, "07-incident-other-browser")

        open_page(page, f"{server.url}/incidents")
        shot(page, server, "08-incidents")
        open_page(page, f"{server.url}/status")
        shot(page, server, "09-status")
        assert dialogs == []
    finally:
        first.close()
        second.close()


def test_hostile_text_stays_text_in_page_and_exports(browser: Browser, server: Server, tmp_path: Path) -> None:
    context = new_context(browser)
    try:
        page = context.new_page()
        dialogs = watch_dialogs(page)
        open_page(page, f"{server.url}/incident?id={server.xss_incident_id}")
        expect(page.get_by_role("heading", name=XSS_TITLE, exact=True)).to_be_visible()
        expect(page.get_by_role("heading", name="Executive Summary", exact=True)).to_be_visible()  # the report tab
        for tab in ("Hypotheses", "Log patterns", "Mitigation", "Charts", "Timeline"):
            page.get_by_role("tab", name=tab).click()
            wait_idle(page)
        page.get_by_role("tab", name="Hypotheses").click()
        for text in HOSTILE:
            expect(page.get_by_text(text).first).to_be_visible()  # shown as text (the log lines, the summary)
        shot(page, server, "10-xss-incident")
        assert page.locator("img[src='x']").count() == 0
        assert not page.evaluate("[...document.scripts].some(s => s.textContent.includes('alert(1)'))")

        markdown = download(page, "inc_download_md", tmp_path)
        report = download(page, "inc_download_html", tmp_path)
        # Markdown shows code spans literally (commands sit in them); everywhere else tags must be entities.
        prose = CODE_SPAN.sub("", markdown)
        for raw, escaped in zip(HOSTILE, ESCAPED, strict=True):
            assert raw not in prose and escaped in prose
            assert raw not in report and escaped in report

        offline = new_context(browser, offline=True)
        try:
            viewer = offline.new_page()
            viewer_dialogs = watch_dialogs(viewer)
            viewer.goto((tmp_path / f"incident-{server.xss_incident_id[:8]}-report.html").as_uri())
            expect(viewer.locator(".js-plotly-plot")).to_have_count(1, timeout=TIMEOUT_MS)  # the grid of the window
            expect(viewer.get_by_text(HOSTILE[0]).first).to_be_visible()
            viewer.screenshot(path=str(server.screenshots / "11-xss-html-export.png"), full_page=True)
            assert viewer.locator("img[src='x']").count() == 0
            assert viewer_dialogs == []
        finally:
            offline.close()
        assert dialogs == []
    finally:
        context.close()
