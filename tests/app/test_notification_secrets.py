"""Issue 17, acceptance 4: with every kind of channel configured and messages delivered (and refused by a receiver
that echoes its own URL), no secret or webhook URL appears in any table of the DuckDB file, any log line, any
page, or any export. Also: the Status page lists the channels and its test buttons queue a message."""

from __future__ import annotations

import logging
import ssl
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import trustme
from aiosmtpd.controller import Controller
from streamlit.testing.v1 import AppTest

from core.detection.lifecycle import IncidentEvent
from tests.app.conftest import MAIN, make_incident
from tests.app.test_pages import PAGES
from tests.app.test_redaction_pages import page_text
from tests.notify.receivers import (
    ROUTING_KEY,
    SLACK_PATH,
    TEAMS_PATH,
    TEAMS_QUERY,
    PagerDuty,
    Slack,
    Teams,
    Webhook,
    text,
)
from tests.notify.test_email import PASSWORD, USER, Inbox, authenticate
from tests.sources.prometheus_server import free_port

HOOK_SECRET, SHORTCUT_SECRET = "hook-signing-secret-5d1e", "shortcut-signing-secret-8b2f"


@pytest.fixture
def receivers(tmp_path: Path) -> Iterator[dict]:
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    inbox, smtp_port = Inbox(), free_port()
    smtp = Controller(
        inbox, hostname="127.0.0.1", port=smtp_port, tls_context=context, require_starttls=True,
        authenticator=authenticate, auth_require_tls=True,
    )  # fmt: skip
    smtp.start()
    try:
        with (
            Slack() as slack,
            Teams() as teams,
            PagerDuty() as pd,
            Webhook(HOOK_SECRET) as hook,
            Webhook(SHORTCUT_SECRET) as shortcut,
        ):
            yield {
                "slack": slack, "teams": teams, "pd": pd, "hook": hook, "shortcut": shortcut,
                "inbox": inbox, "smtp_port": smtp_port, "ca_file": ca_file,
            }  # fmt: skip
    finally:
        smtp.stop()


@pytest.fixture
def runtime(db_path: Path, receivers: dict, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """The app's runtime with a channel of every kind; their secrets only in the environment."""
    r = receivers
    path = tmp_path / "notifications.toml"
    path.write_text(
        f"""
[channels.chat]
type = "slack"
url_env = "CHAT_WEBHOOK"
[channels.team]
type = "teams"
url_env = "TEAM_WEBHOOK"
[channels.pager]
type = "pagerduty"
routing_key_env = "PAGER_KEY"
events_url = "{r["pd"].url}"
[channels.mail]
type = "email"
host = "127.0.0.1"
port = {r["smtp_port"]}
username_env = "MAIL_USER"
password_env = "MAIL_PASSWORD"
sender = "tool@example.org"
to = ["oncall@example.org"]
ca_file = "{r["ca_file"]}"
[channels.hook]
type = "webhook"
url_env = "HOOK_URL"
secret_env = "HOOK_SECRET"
[[routes]]
channels = ["chat", "team", "pager", "mail", "hook"]
events = ["opened", "analyzed", "escalated", "resolved", "acknowledged"]
"""
    )
    env = {
        "NOTIFICATIONS_FILE": str(path),
        "CHAT_WEBHOOK": r["slack"].url,
        "TEAM_WEBHOOK": r["teams"].url,
        "PAGER_KEY": ROUTING_KEY,
        "MAIL_USER": USER,
        "MAIL_PASSWORD": PASSWORD,
        "HOOK_URL": r["hook"].url,
        "HOOK_SECRET": HOOK_SECRET,
        "NOTIFY_WEBHOOK_URL": r["shortcut"].url + "?token=shortcut-query-token-77",
        "NOTIFY_WEBHOOK_SECRET": SHORTCUT_SECRET,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    from app.runtime import get_runtime

    return get_runtime()


def secrets(receivers: dict) -> list[str]:
    """Every secret value, and the parts of secret URLs that would give them away."""
    r = receivers
    return [
        r["slack"].url, SLACK_PATH, "slacksecretpathXYZ123", r["teams"].url, TEAMS_PATH, TEAMS_QUERY,
        "teamsSignatureSecretQ9", ROUTING_KEY, PASSWORD, r["hook"].url, "incidents-secret-path", HOOK_SECRET,
        SHORTCUT_SECRET, "shortcut-query-token-77",
    ]  # fmt: skip


def database_text(path: Path) -> str:
    """Every value of every table, and the raw bytes of the file and its write-ahead log."""
    parts = []
    for file in (path, path.with_name(path.name + ".wal")):
        if file.exists():
            parts.append(file.read_bytes().decode("latin-1"))
    with duckdb.connect(str(path), read_only=True) as con:
        for (table,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall():
            parts.append(str(con.execute(f'SELECT CAST(COLUMNS(*) AS VARCHAR) FROM "{table}"').fetchall()))
    return "\n".join(parts)


@pytest.mark.slow  # five channels, real servers, every page
def test_no_secret_in_tables_logs_pages_or_exports(runtime, receivers: dict, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # the HTTP stack's own debug lines quote request paths and queries
    r = receivers
    r["slack"].script(text(403, f"invalid_token for {r['slack'].url}"))  # a receiver that echoes its URL
    incident = make_incident(runtime)
    runtime.notifier.on_incident_event(IncidentEvent("opened", incident))
    for name in runtime.notifier.channels:
        runtime.notifier.send_test(name)
    runtime.analyze(incident.id)
    runtime.acknowledge(incident.id, "ana")
    runtime.resolve(incident.id, "ana")
    assert runtime.notifier.drain(30)
    counts = runtime.store.notification_counts()
    assert counts["pending"] == 0 and counts["failed"] == 1 and counts["delivered"] >= 20  # the 403 is refused
    assert len(r["inbox"].messages) >= 4 and r["pd"].requests and r["teams"].requests and r["hook"].first_seen

    exports = [runtime.export(incident.id, fmt).content for fmt in ("md", "html", "json", "csv")]
    shown = []
    for page in PAGES:
        at = AppTest.from_file(str(MAIN), default_timeout=60)
        at.run()
        at.query_params["id"] = incident.id
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
        shown.append(page_text(at))
    status = shown[PAGES.index("../pages/status.py")]
    assert "the URL in \\\\$CHAT\\\\_WEBHOOK" in status  # the variable's name, escaped for Markdown
    assert "refused: chat: HTTP 403: invalid_token for ***" in status  # the delivery table: the echo scrubbed

    runtime.close()  # every write on disk
    stored = database_text(runtime.store.path)
    logs = "\n".join(record.getMessage() for record in caplog.records)
    assert "POST /" in logs  # the HTTP stack's request lines were captured, scrubbed
    for secret in secrets(r):
        assert secret not in stored, f"{secret!r} in the database"
        assert secret not in logs, f"{secret!r} in a log line"
        for page, text_ in zip(PAGES, shown, strict=True):
            assert secret not in text_, f"{secret!r} on {page}"
        for content in exports:
            assert secret not in (content if isinstance(content, str) else content.decode(errors="replace"))


def test_the_status_page_lists_channels_and_queues_a_test_message(runtime, receivers: dict) -> None:
    at = AppTest.from_file(str(MAIN), default_timeout=60)
    at.run()
    at.switch_page("../pages/status.py").run()
    assert not at.exception, [e.value for e in at.exception]
    buttons = [b for b in at.button if b.key and b.key.startswith("status_notify_test_")]
    assert sorted(b.key.removeprefix("status_notify_test_") for b in buttons) == sorted(
        ["chat", "team", "pager", "mail", "hook", "webhook"]
    )
    next(b for b in buttons if b.key == "status_notify_test_hook").click().run()
    assert any("Test message queued for hook" in s.value for s in at.success)
    assert runtime.notifier.drain(10)
    (body,) = receivers["hook"].first_seen.values()
    assert body["event"] == "notification.test"
