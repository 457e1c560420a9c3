"""Fixtures for the app tests: a temporary database per test and a fresh runtime, closed afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core.models import Incident, Signal

ROOT = Path(__file__).resolve().parents[2]
MAIN = ROOT / "app" / "shell.py"  # the pages script (app/main.py is the server that serves it)


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A temporary INCIDENT_DB_PATH; runtime and data caches are empty before and cleared after (closing it)."""
    path = tmp_path / "ui.duckdb"
    monkeypatch.setenv("INCIDENT_DB_PATH", str(path))
    for name in ("OPENAI_API_KEY", "DEMO_SERVICE_URL", "DATA_MODE"):
        monkeypatch.delenv(name, raising=False)
    st.cache_resource.clear()
    st.cache_data.clear()
    yield path
    st.cache_resource.clear()  # on_release closes the runtime: scheduler, executors, demo service, store
    st.cache_data.clear()


@pytest.fixture
def runtime(db_path: Path):
    """The app's own runtime (the one ``app.runtime.get_runtime`` caches), started before the app runs."""
    from app.runtime import get_runtime

    return get_runtime()


@pytest.fixture
def app(runtime) -> AppTest:
    """The app, not yet run (seed data first, then ``run()``: query answers are cached for a few seconds)."""
    return AppTest.from_file(str(MAIN), default_timeout=30)


def make_incident(runtime, *, ago: float = 60.0, **changes) -> Incident:
    """Store an open incident that started ``ago`` seconds before now."""
    now = runtime.clock.now()
    fields = {
        "id": str(uuid.uuid4()),
        "title": "Error rate above 5% on checkout",
        "severity": "SEV2",
        "start_time": now - ago,
        "detected_at": now - ago + 10,
        "fingerprint": "error_rate:checkout",
        "services": ["checkout"],
        "signals": [
            Signal(
                rule="error_rate",
                service="checkout",
                metric="error_rate",
                value=0.3,
                threshold=0.05,
                ts=now - ago,
                message="error rate 30% > 5% on checkout",
            )
        ],
    }
    fields.update(changes)
    incident = Incident(**fields)
    runtime.store.save_incident(incident)
    return incident
