"""Issue 17, acceptance 2: ``core.cli watch`` against a standalone demo service, with NOTIFY_WEBHOOK_URL and
NOTIFY_WEBHOOK_SECRET set, tells a real HTTP receiver of an injected ``error_rate`` on checkout: signed
``incident.opened`` and ``incident.analyzed`` for one incident, the analysis naming ``error_rate`` on checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.notify.receivers import Webhook
from tests.sources.prometheus_server import REPO, demo_service

pytestmark = pytest.mark.slow  # real processes in real time: about 90 s

SECRET = "watch-test-signing-key-7f3a"
BASELINE_SECONDS = 20  # detection and the analysis' baseline see the shop healthy first


def events_by_incident(hook: Webhook) -> dict[str, dict[str, dict]]:
    found: dict[str, dict[str, dict]] = {}
    for body in list(hook.first_seen.values()):
        found.setdefault(body["incident"]["id"], {})[body["event"]] = body
    return found


def test_watch_sends_signed_opened_and_analyzed_for_an_injected_fault(tmp_path: Path) -> None:
    with demo_service() as demo_url, Webhook(SECRET) as hook:
        env = dict(
            os.environ,
            DEMO_SERVICE_URL=demo_url,
            NOTIFY_WEBHOOK_URL=hook.url,
            NOTIFY_WEBHOOK_SECRET=SECRET,
            INCIDENT_DB_PATH=str(tmp_path / "watch.duckdb"),
            PUBLIC_URL="http://incidents.example.org",
        )
        env.pop("NOTIFICATIONS_FILE", None)
        log = (tmp_path / "watch.log").open("w")
        watch = subprocess.Popen(
            [sys.executable, "-m", "core.cli", "watch", "--duration", "90"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            time.sleep(BASELINE_SECONDS)
            fault = {"type": "error_rate", "target": "checkout", "intensity": 1.0, "duration_seconds": 60}
            assert requests.post(f"{demo_url}/faults", json=fault, timeout=5).status_code == 201
            deadline = time.monotonic() + 60
            told: dict[str, dict] = {}
            while time.monotonic() < deadline:
                told = next(
                    (
                        e
                        for e in events_by_incident(hook).values()
                        if {"incident.opened", "incident.analyzed"} <= set(e)
                    ),
                    {},
                )
                if told:
                    break
                time.sleep(0.5)
            assert told, f"received {[(b['event'], b['incident']['id']) for b in hook.first_seen.values()]}"
            assert watch.wait(timeout=120) == 0
        finally:
            if watch.poll() is None:
                watch.kill()
            log.close()
    opened, analyzed = told["incident.opened"], told["incident.analyzed"]
    assert opened["incident"]["id"] == analyzed["incident"]["id"]
    assert analyzed["incident"]["root_causes"][0]["service"] == "checkout"
    assert analyzed["incident"]["root_causes"][0]["kind"] == "error_rate"
    assert opened["incident"]["url"] == f"http://incidents.example.org/incident?id={opened['incident']['id']}"
    assert hook.bad_signatures == 0 and all("x-incident-signature" in r.headers for r in hook.requests)
    assert hook.repeats == []
    output = (tmp_path / "watch.log").read_text()
    assert hook.url not in output and SECRET not in output and "incidents-secret-path" not in output
