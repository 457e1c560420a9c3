"""Which incident events become which messages, by the routes of a NOTIFICATIONS_FILE."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from core.config import Settings
from core.detection.lifecycle import IncidentEvent
from core.errors import ConfigError, NotFoundError
from core.notify.notifier import Notifier
from core.report.view import ReportView
from core.store import Store
from tests.notify.helpers import analysed_incident
from tests.report.views import cause, outputs, view_of

ROUTES = """\
[channels.chat]
type = "slack"
url_env = "CHAT_URL"

[channels.pager]
type = "pagerduty"
routing_key_env = "PAGER_KEY"

[channels.hook]
type = "webhook"
url_env = "HOOK_URL"
secret_env = "HOOK_SECRET"

[[routes]]
channels = ["chat"]
events = ["opened", "analyzed", "escalated", "resolved"]

[[routes]]
channels = ["pager"]
events = ["opened", "acknowledged"]
severities = ["SEV1", "SEV2"]

[[routes]]
channels = ["hook"]
events = ["opened"]
services = ["payments"]
"""
ENV = {"CHAT_URL": "http://127.0.0.1:9/chat", "PAGER_KEY": "k" * 32, "HOOK_URL": "http://127.0.0.1:9/h"}


@pytest.fixture
def notes(tmp_path: Path):
    path = tmp_path / "notifications.toml"
    path.write_text(ROUTES)
    store = Store(tmp_path / "n.duckdb")
    notes = Notifier.from_settings(Settings(notifications_file=path), store, ENV.get)
    yield notes, store
    store.close()


def sent(store: Store) -> list[tuple[str, str]]:
    return sorted((m.event, m.channel) for m in store.notifications())


def test_routes_choose_channels_by_event_severity_and_service(notes) -> None:
    notifier, store = notes
    notifier.on_incident_event(IncidentEvent("opened", analysed_incident()))  # SEV2 on checkout, frontend
    assert sent(store) == [("opened", "chat"), ("opened", "pager")]
    notifier.on_incident_event(
        IncidentEvent("opened", analysed_incident(id="p", severity="SEV3", services=["payments"]))
    )
    assert sorted(m.channel for m in store.notifications(incident_id="p")) == ["chat", "hook"]  # SEV3: no page


def test_analyzed_goes_out_when_the_top_cause_is_stated_or_revised_only(notes) -> None:
    notifier, store = notes
    incident = analysed_incident()
    notifier.on_analyzed(incident.model_copy(update={"final_summary": ReportView.pending(incident)}))  # no cause
    notifier.on_analyzed(incident)
    notifier.on_analyzed(incident)  # re-analysis, same cause: nothing new to say
    found = outputs()
    found["root_cause"].hypotheses[0] = cause("checkout", "bad_deploy", 0.8, 2)
    notifier.on_analyzed(incident.model_copy(update={"final_summary": view_of(found)}))  # revised
    analyzed = [m for m in store.notifications() if m.event == "analyzed"]
    assert sorted(m.cause for m in analyzed) == ["checkout/bad_deploy", "checkout/error_rate"]


def test_escalation_and_resolution(notes) -> None:
    notifier, store = notes
    notifier.on_incident_event(IncidentEvent("updated", analysed_incident(), escalated=False))
    assert sent(store) == []
    notifier.on_incident_event(IncidentEvent("updated", analysed_incident(severity="SEV1"), escalated=True))
    assert sent(store) == [("escalated", "chat")]


def test_a_paged_incident_is_resolved_in_pagerduty_whatever_the_routes(notes) -> None:
    notifier, store = notes
    notifier.on_incident_event(IncidentEvent("opened", analysed_incident()))
    notifier.on_acknowledged(analysed_incident(acknowledged_by="ana"))
    notifier.on_incident_event(IncidentEvent("resolved", analysed_incident(status="RESOLVED")))
    assert [e for e in sent(store) if e[1] == "pager"] == [
        ("acknowledged", "pager"),
        ("opened", "pager"),
        ("resolved", "pager"),
    ]
    resolve = next(m for m in store.notifications() if m.channel == "pager" and m.event == "resolved")
    assert resolve.message == {"event_action": "resolve", "dedup_key": "inc-1"}  # no routing key stored


def test_a_test_message_per_channel(notes) -> None:
    notifier, _ = notes
    message = notifier.send_test("hook")
    assert message.event == "test" and message.message["event"] == "notification.test"
    with pytest.raises(NotFoundError, match="chat, pager, hook"):
        notifier.send_test("nope")


def test_channel_infos_name_variables_never_values(notes) -> None:
    notifier, _ = notes
    infos = {info.name: info for info in notifier.channel_infos()}
    assert infos["chat"].target == "the URL in $CHAT_URL"
    assert infos["pager"].routes == "opened/acknowledged at SEV1/SEV2"
    assert infos["hook"].routes == "opened at SEV1/SEV2/SEV3/SEV4 for payments"
    assert not any(value in repr(infos) for value in ENV.values())


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[channels.s]\ntype = "slack"\nurl = "https://hooks.slack.com/services/T/B/X"\n', "'url' is a secret"),
        ('[channels.p]\ntype = "pagerduty"\nrouting_key = "abc"\n', "name that variable with 'routing_key_env'"),
        (
            '[channels.s]\ntype = "slack"\nurl_env = "NOT_SET_ANYWHERE"\n',
            "needs the environment variable NOT_SET_ANYWHERE",
        ),
        ('[channels.s]\ntype = "sms"\n', "channels.s: Input tag 'sms'"),
        ('[[routes]]\nchannels = ["ghost"]\n', "routes[0] names channels that are not defined: ghost"),
        ('[[routes]]\nchannels = ["x"]\nevents = ["exploded"]\n', "routes.0.events.0"),
        ("channels = [", "is not valid TOML"),
    ],
    ids=["literal-url", "literal-key", "unset-variable", "unknown-type", "unknown-channel", "unknown-event", "toml"],
)
def test_a_bad_file_is_a_config_error_that_says_where(tmp_path: Path, toml: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(textwrap.dedent(toml))
    store = Store(tmp_path / "bad.duckdb")
    try:
        with pytest.raises(ConfigError, match="NOTIFICATIONS_FILE") as caught:
            Notifier.from_settings(Settings(notifications_file=path), store, {}.get)
        assert message in str(caught.value)
        assert "hooks.slack.com" not in str(caught.value) and "abc" not in str(caught.value).split(":")[-1]
    finally:
        store.close()


def test_the_webhook_shortcut_sends_every_default_event(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    try:
        settings = Settings(notify_webhook_url="http://127.0.0.1:9/hook")
        notifier = Notifier.from_settings(settings, store, {}.get)
        assert [info.routes for info in notifier.channel_infos()] == [
            "opened/analyzed/escalated/resolved at SEV1/SEV2/SEV3/SEV4"
        ]
        notifier.on_incident_event(IncidentEvent("opened", analysed_incident(severity="SEV4")))
        notifier.on_acknowledged(analysed_incident())  # not a default event
        assert sent(store) == [("opened", "webhook")]
    finally:
        store.close()
