"""The app under a real Chromium: a ``streamlit run`` subprocess on a free port with a temporary database.

The database is seeded before the server starts (an analysed incident whose service name, log line and LLM
summary are hostile HTML), the server always stops at the end, and screenshots go to a folder the tests print.
Skips, saying why, only when Debian's Chromium is missing.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from benchmarks.ui_seed import HOSTILE_TEXT, analysed_incident, seed_logs, seed_metrics
from core.log_patterns import mask
from core.models import ERROR_RATE
from core.store import Store

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STARTUP_SECONDS = 60.0
XSS_TITLE = f"XSS probe {HOSTILE_TEXT}"
XSS_LOG_LINE = f"ERROR payment declined {HOSTILE_TEXT}"

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Server:
    """The running app: its base URL, the seeded hostile incident and where screenshots go."""

    url: str
    xss_incident_id: str
    screenshots: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


def wait_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(f"{url}/_stcore/health", timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"streamlit did not answer /_stcore/health within {STARTUP_SECONDS:.0f} s")


#: screenshot folders of this run, printed in the terminal summary (a fixture's print is captured)
SCREENSHOT_FOLDERS: list[Path] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say where the screenshots of each page went, whatever the outcome."""
    for folder in SCREENSHOT_FOLDERS:
        shots = len(list(folder.glob("*.png")))
        terminalreporter.write_line(f"browser screenshots ({shots} files): {folder}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app on a free port with a temporary, seeded database (fast detection); killed afterwards."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    folder = tmp_path_factory.mktemp("browser")
    screenshots = folder / "screenshots"
    screenshots.mkdir()
    SCREENSHOT_FOLDERS.append(screenshots)
    db = folder / "x.duckdb"
    xss_id = seed(db)
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "DEMO_SERVICE_URL", "DATA_MODE")},
        "INCIDENT_DB_PATH": str(db),
        "DETECTION_INTERVAL_SECONDS": "1",
        "CONFIRMATION_SECONDS": "2",
    }
    log = folder / "streamlit.log"
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app/main.py",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
    ]
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, process, log)
        print(f"\nscreenshots: {screenshots}")
        yield Server(url, xss_id, screenshots)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser(server: Server):
    """Debian's Chromium through Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
