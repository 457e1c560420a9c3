"""When the runtime cannot start, every page says what happened and what to do, and stops."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import MAIN

PAGES = ["../pages/dashboard.py", "../pages/incidents.py", "../pages/faults.py", "../pages/status.py"]


@pytest.fixture
def locked_db(db_path: Path):
    """Another process holds the DuckDB file, as a second `streamlit run` would."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); time.sleep(60)",
            str(db_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        yield db_path
    finally:
        holder.kill()
        holder.wait()


def test_locked_database_is_explained_on_every_page(locked_db: Path) -> None:
    at = AppTest.from_file(str(MAIN), default_timeout=30).run()
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
        (error,) = at.error
        assert "locked by another process" in error.value
        assert "INCIDENT_DB_PATH" in error.value
        assert not at.title, "the page stops after the error"


def test_invalid_setting_is_explained(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ERROR_RATE_THRESHOLD", "2")
    at = AppTest.from_file(str(MAIN), default_timeout=30).run()
    assert not at.exception
    (error,) = at.error
    assert "ERROR_RATE_THRESHOLD" in error.value
    assert "restart the app" in error.value
