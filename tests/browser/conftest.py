"""The app under a real Chromium: a ``streamlit run`` subprocess on a free port with a temporary database.

The database is seeded before the server starts (an analysed incident whose service name, log line and LLM
summary are hostile HTML), the server always stops at the end, and screenshots go to a folder the tests print.
Skips, saying why, only when Debian's Chromium is missing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from benchmarks.ui_seed import HOSTILE_TEXT, analysed_incident, seed_logs, seed_metrics
from core.log_patterns import mask
from core.models import ERROR_RATE
from core.store import Store
from tests.browser.app_server import CHROMIUM, running_app, screenshot_folder
from tests.browser.helpers import SCREENSHOT_FOLDERS, SUMMARY_LINES

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
XSS_TITLE = f"XSS probe {HOSTILE_TEXT}"
XSS_LOG_LINE = f"ERROR payment declined {HOSTILE_TEXT}"

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Server:
    """The running app: its base URL, the seeded hostile incident and where screenshots go."""

    url: str
    xss_incident_id: str
    screenshots: Path


def seed(db: Path) -> str:
    """An analysed, resolved incident an hour ago with hostile text everywhere untrusted text goes."""
    store = Store(db)
    try:
        now = time.time()
        start = now - 3600
        incident, runs = analysed_incident(
            now, start=start, service=HOSTILE_TEXT, log_line=mask(XSS_LOG_LINE), summary=HOSTILE_TEXT, title=XSS_TITLE
        )
        store.save_incident(incident)
        store.save_agent_runs(runs)
        seed_logs(store, HOSTILE_TEXT, start + 5, [XSS_LOG_LINE] * 3)
        seed_metrics(store, start + 900, 1800, services=[HOSTILE_TEXT], metrics=[ERROR_RATE])
        return incident.id
    finally:
        store.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say where the screenshots of each page went, whatever the outcome, and what the tests measured."""
    for folder in SCREENSHOT_FOLDERS:
        shots = len(list(folder.glob("*.png")))
        terminalreporter.write_line(f"browser screenshots ({shots} files): {folder}")
    for line in SUMMARY_LINES:
        terminalreporter.write_line(line)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app on a free port with a temporary, seeded database (fast detection); killed afterwards."""
    folder, screenshots = screenshot_folder(tmp_path_factory, "browser")
    db = folder / "x.duckdb"
    xss_id = seed(db)
    with running_app(folder, db, {"DETECTION_INTERVAL_SECONDS": "1", "CONFIRMATION_SECONDS": "2"}) as url:
        print(f"\nscreenshots: {screenshots}")
        yield Server(url, xss_id, screenshots)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed at /usr/bin/chromium (apt-get install chromium)")

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
