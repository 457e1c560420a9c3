"""The server process: the lifespan starts the runtime before any browser connects and the pages share it;
without API_TOKEN it refuses to serve beyond loopback; the Status page says how open the API is."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from streamlit.testing.v1 import AppTest

from app import runtime as app_runtime
from app.server import check_binding, is_loopback
from core.errors import ConfigError, StoreLockedError
from tests.app.conftest import MAIN, ROOT
from tests.sources.prometheus_server import free_port, stop


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.0.1", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.0.2.10", False),
        ("example.org", False),
        (None, False),
        ("", False),
    ],
)
def test_is_loopback(address: str | None, loopback: bool) -> None:
    assert is_loopback(address) is loopback


def test_binding_beyond_loopback_needs_a_token() -> None:
    check_binding("127.0.0.1", token_set=False)
    check_binding("0.0.0.0", token_set=True)
    with pytest.raises(ConfigError, match=r"Refusing to serve on 0\.0\.0\.0 without API_TOKEN"):
        check_binding("0.0.0.0", token_set=False)
    with pytest.raises(ConfigError, match="every interface"):
        check_binding(None, token_set=False)


def test_pages_use_the_servers_runtime(db_path: Path) -> None:
    server = app_runtime.ServerRuntime()
    original, app_runtime.SERVER = app_runtime.SERVER, server
    try:
        server.start()
        started = server.get()
        assert app_runtime.get_runtime() is started  # the pages' runtime is the lifespan's
        at = AppTest.from_file(str(MAIN), default_timeout=30).run()
        assert not at.exception and started.scheduler.running
    finally:
        server.stop()
        app_runtime.SERVER = original
    assert not started.scheduler.running


def test_a_failed_start_is_kept_and_retried(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def locked(settings):
        calls.append(1)
        raise StoreLockedError("The database x is in use by another process")

    monkeypatch.setattr(app_runtime, "start_runtime", locked)
    monkeypatch.setattr(app_runtime, "RETRY_SECONDS", 0.0)
    server = app_runtime.ServerRuntime()
    server.start()  # does not raise: the server keeps serving pages that explain
    with pytest.raises(StoreLockedError):
        server.get()
    assert len(calls) == 2  # the start, and one retry by the caller
    server.stop()


def test_status_page_says_the_api_is_open_locally(app: AppTest) -> None:
    at = app.switch_page("../pages/status.py").run()
    assert not at.exception
    assert any("The API is open locally" in info.value for info in at.info)


def test_status_page_with_a_token_hides_it(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "tok-page-8c1f0e2d9b7a"
    monkeypatch.setenv("API_TOKEN", secret)
    at = AppTest.from_file(str(MAIN), default_timeout=30).run().switch_page("../pages/status.py").run()
    assert not at.exception
    shown = " ".join(str(e.value) for e in [*at.markdown, *at.info, *at.dataframe])
    assert "Authorization: Bearer <API_TOKEN>" in shown and secret not in shown
    assert ("API_TOKEN", "set (hidden)") in [tuple(row) for row in at.dataframe[-1].value.itertuples(index=False)]


def _serve(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if k not in ("API_TOKEN", "DEMO_SERVICE_URL", "DATA_MODE")}
    environment.update(INCIDENT_DB_PATH=str(tmp_path / "server.duckdb"), **(env or {}))
    log = open(tmp_path / "server.log", "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app/main.py", "--server.port", str(port), *args],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return process, port


@pytest.mark.slow
def test_detection_runs_from_server_start_without_a_browser(tmp_path: Path) -> None:
    process, port = _serve(tmp_path, "--server.address", "127.0.0.1", env={"DETECTION_INTERVAL_SECONDS": "1"})
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        health = None
        while time.monotonic() < deadline and health is None:
            try:
                health = requests.get(f"{base}/api/health", timeout=2).json()
            except requests.RequestException:
                time.sleep(0.2)
        assert health is not None and health["scheduler_running"], "no /api/health within 30 s"
        time.sleep(3)
        assert requests.get(f"{base}/api/health", timeout=2).json()["polls"] >= 3  # polling, no page ever opened
        metrics = requests.get(f"{base}/metrics", timeout=2).text
        assert "incident_tool_polls_total" in metrics and "incident_tool_poll_duration_seconds_bucket" in metrics
        assert requests.get(f"{base}/", timeout=5).status_code == 200  # the pages are served by the same process
    finally:
        stop(process)


@pytest.mark.slow
def test_refuses_a_wildcard_bind_without_a_token(tmp_path: Path) -> None:
    process, _ = _serve(tmp_path, "--server.address", "0.0.0.0")
    assert process.wait(timeout=60) != 0
    log = (tmp_path / "server.log").read_text()
    assert "Refusing to serve on 0.0.0.0 without API_TOKEN" in log
