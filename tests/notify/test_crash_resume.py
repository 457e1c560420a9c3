"""Issue 17, acceptance 3: the app is SIGKILLed with 20 messages in its outbox while their receiver is down; after
a restart, with the receiver back, every message arrives, each Idempotency-Key new to the receiver exactly once."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
import requests

from tests.integration.alerting import AppServer
from tests.notify.receivers import Webhook
from tests.sources.prometheus_server import free_port

pytestmark = pytest.mark.slow  # two starts of the real server, a SIGKILL between them

SECRET = "crash-test-signing-key-91c2"
MESSAGES = 20


def counts(app: AppServer) -> dict[str, int]:
    return requests.get(f"{app.url}/api/notifications", timeout=5).json()["counts"]


def test_a_killed_app_resumes_its_outbox_at_least_once(tmp_path: Path) -> None:
    port = free_port()  # the receiver's, down for now
    url = f"http://127.0.0.1:{port}/hooks/incidents-secret-path"
    app = AppServer(
        {
            "INCIDENT_DB_PATH": str(tmp_path / "crash.duckdb"),
            "NOTIFY_WEBHOOK_URL": url,
            "NOTIFY_WEBHOOK_SECRET": SECRET,
            "NOTIFY_RETRY_BASE_SECONDS": "1",  # a quick schedule, so that the test does not wait minutes
            "NOTIFY_RETRY_MAX_SECONDS": "2",
            "NOTIFY_MAX_ATTEMPTS": "100",
        }
    )
    try:
        app.start()
        ids = []
        for _ in range(MESSAGES):
            answer = requests.post(f"{app.url}/api/notifications/webhook/test", timeout=10)
            assert answer.status_code == 202, answer.text
            ids.append(answer.json()["id"])
        time.sleep(1.5)  # every message has been tried at least once, against a receiver that is down
        assert counts(app) == {"pending": MESSAGES, "delivered": 0, "failed": 0}
        recent = requests.get(f"{app.url}/api/notifications", timeout=5).json()["recent"]
        assert all(m["attempts"] >= 1 and "ConnectionError" in m["last_error"] for m in recent)
        assert all(url not in m["last_error"] for m in recent)

        assert app.process is not None
        app.process.send_signal(signal.SIGKILL)
        assert app.process.wait(timeout=10) == -signal.SIGKILL
        app.process = None

        with Webhook(SECRET, port=port) as receiver:
            app.start()  # the same database: the outbox is resumed at start
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not set(ids) <= set(receiver.first_seen):
                time.sleep(0.2)
            assert set(ids) <= set(receiver.first_seen), f"{len(set(ids) & set(receiver.first_seen))} of {MESSAGES}"
            assert receiver.bad_signatures == 0
            assert all(key in ids for key in receiver.repeats)  # a repeat (at least once) is a known key
            assert all(receiver.first_seen[key]["event"] == "notification.test" for key in ids)
            time.sleep(0.5)
            assert counts(app)["delivered"] >= MESSAGES and counts(app)["pending"] == 0
        log = app.log()
        assert url not in log and SECRET not in log and "incidents-secret-path" not in log
    finally:
        app.close()
