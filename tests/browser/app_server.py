"""A ``streamlit run`` of the app for the browser tests: on a free port, with its own database and settings,
always stopped at the end; and the screenshot folders pytest's summary names."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from tests.browser.helpers import SCREENSHOT_FOLDERS

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
STARTUP_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


@contextmanager
def running_app(folder: Path, db: Path, settings: dict[str, str]) -> Iterator[str]:
    """``streamlit run`` on a free port with the database ``db`` and the ``settings`` (environment variables);
    yields its base URL and always stops it."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "DEMO_SERVICE_URL", "DATA_MODE")},
        "INCIDENT_DB_PATH": str(db),
        **settings,
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
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def screenshot_folder(tmp_path_factory: pytest.TempPathFactory, name: str) -> tuple[Path, Path]:
    """(a fresh folder for a server, its screenshots folder, named in pytest's summary); skips without Chromium.
    With SCREENSHOTS_DIR set, the screenshots go to SCREENSHOTS_DIR/<name> instead, kept after pytest's
    temporary folders rotate (to look at them or attach them to a review)."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    folder = tmp_path_factory.mktemp(name)
    kept = os.environ.get("SCREENSHOTS_DIR")
    screenshots = Path(kept) / name if kept else folder / "screenshots"
    screenshots.mkdir(parents=True, exist_ok=True)
    SCREENSHOT_FOLDERS.append(screenshots)
    return folder, screenshots
