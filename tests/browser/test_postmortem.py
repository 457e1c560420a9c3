"""The postmortem editor and the similar incidents in Chromium: edit a section, save, reload, see the edit and
version 2 in the history, download the Markdown with the edit; the similar earlier incident links to it.

The database is seeded before the server starts: two analysed incidents of the same seed fault (error_rate on
checkout) an hour apart, the earlier resolved with a note, and version 1 of the later one's postmortem (the
tool's draft saved by "lead"), so that the browser's save is version 2.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from benchmarks.ui_seed import analysed_incident
from core.memory import recall
from core.memory.postmortem import draft
from core.store import Store
from tests.browser.app_server import running_app, screenshot_folder
from tests.browser.helpers import TIMEOUT_MS, download, open_page, wait_idle, watch_dialogs

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1400, "height": 1800}
EDIT = "Alert on checkout's error budget before users notice (browser edit)."


@dataclass(frozen=True)
class Seeded:
    url: str
    earlier_id: str
    incident_id: str
    screenshots: Path


def seed(db: Path) -> tuple[str, str]:
    """(earlier id, later id): two analysed incidents of one fault, fingerprinted; version 1 of the later's
    postmortem."""
    store = Store(db)
    try:
        now = time.time()
        ids = []
        for ago, note in ((7200.0, "rolled back release 42"), (3600.0, None)):
            incident, runs = analysed_incident(now, start=now - ago)
            incident = incident.model_copy(update={"resolution_note": note, "resolved_by": "bob" if note else None})
            store.save_incident(incident)
            store.save_agent_runs(runs)
            recall.record(store, incident, now)
            ids.append(incident.id)
        store.save_postmortem(draft(store.get_incident(ids[1])), by="lead", at=now)
        return ids[0], ids[1]
    finally:
        store.close()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    folder, screenshots = screenshot_folder(tmp_path_factory, "postmortem")
    db = folder / "pm.duckdb"
    earlier, later = seed(db)
    with running_app(folder, db, {}) as url:
        yield Seeded(url, earlier, later, screenshots)


def open_tab(page: Page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()
    wait_idle(page)


def shot(page: Page, folder: Path, name: str) -> None:
    expect(page.locator("[data-testid='stSkeleton']")).to_have_count(0, timeout=TIMEOUT_MS)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_edit_save_reload_history_and_download(browser: Browser, seeded: Seeded, tmp_path: Path) -> None:
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        dialogs = watch_dialogs(page)
        open_page(page, f"{seeded.url}/incident?id={seeded.incident_id}")
        open_tab(page, "Similar")
        card = page.locator(f".st-key-inc_similar_{seeded.earlier_id}")
        expect(card).to_contain_text("100% similar")
        expect(card).to_contain_text("rolled back release 42")
        assert seeded.earlier_id in (card.locator("a").first.get_attribute("href") or "")
        shot(page, seeded.screenshots, "01-similar")

        open_tab(page, "Postmortem")
        expect(page.get_by_text("Version 1, saved by lead")).to_be_visible()
        lessons = page.locator(f".st-key-inc_pm_{seeded.incident_id}_v1_lessons textarea")
        lessons.fill(EDIT)
        lessons.press("Tab")  # a text area sends its value when it loses focus
        wait_idle(page)
        who = page.locator(".st-key-inc_pm_who input")
        who.fill("dana")
        who.press("Tab")
        wait_idle(page)
        page.locator(".st-key-inc_pm_save button").click()
        expect(page.get_by_text("Postmortem saved as version 2 by dana.")).to_be_visible()
        shot(page, seeded.screenshots, "02-postmortem-saved")

        page.reload()
        wait_idle(page)
        open_tab(page, "Postmortem")
        expect(page.get_by_text("Version 2, saved by dana")).to_be_visible()
        expect(page.locator(f".st-key-inc_pm_{seeded.incident_id}_v2_lessons textarea")).to_have_value(EDIT)
        page.locator(".st-key-inc_pm_history summary").click()
        history = page.locator(".st-key-inc_pm_history")
        expect(history).to_contain_text("History (2 saved version(s))")
        expect(history.locator("[data-testid='stCode']")).to_contain_text("Version 2, edited by dana")
        expect(history.locator("[data-testid='stCode']")).to_contain_text(EDIT)
        shot(page, seeded.screenshots, "03-postmortem-history")

        markdown = download(page, "inc_pm_download_md", tmp_path)
        assert markdown.startswith("# Postmortem: ") and EDIT in markdown and "Version 2, edited by dana" in markdown
        html = download(page, "inc_pm_download_html", tmp_path)
        assert html.startswith("<!DOCTYPE html>") and "browser edit" in html
        assert dialogs == []
    finally:
        context.close()
