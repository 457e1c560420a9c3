"""Contract tests: each channel against a local server that answers as its documented API does."""

from __future__ import annotations

import json

import pytest

from core.notify.delivery import DeliveryError
from core.notify.webhook import SIGNATURE_HEADER
from tests.notify.helpers import PUBLIC_URL, analysed_incident, channel, notice
from tests.notify.receivers import (
    ROUTING_KEY,
    SLACK_PATH,
    TEAMS_QUERY,
    PagerDuty,
    Slack,
    Teams,
    Webhook,
    as_json,
    text,
    verify,
)


def refused(ch, message: dict, key: str = "key-1") -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        ch.deliver(message, key)
    return caught.value


# --- Slack ------------------------------------------------------------------------------------------------


def test_slack_accepts_the_block_kit_message_with_200_ok() -> None:
    with Slack() as slack:
        ch = channel({"type": "slack", "url_env": "SLACK_URL"}, {"url": slack.url})
        delivered = ch.deliver(ch.render(notice()), "key-1")
        assert (delivered.status, delivered.answer) == (200, "ok")
        (request,) = slack.requests
        sent = request.json()
        assert request.headers["idempotency-key"] == "key-1"
        assert sent["blocks"][0]["type"] == "header" and "Root cause" in sent["blocks"][0]["text"]["text"]
        body = json.dumps(sent)
        assert "Error rate on checkout (70%)" in body or "error_rate" in body.lower()
        assert f"{PUBLIC_URL}/incident?id=inc-1" in body
        assert "&lt;script&gt;" in sent["text"] and "<script>" not in sent["text"]  # mrkdwn escaped


@pytest.mark.parametrize(
    ("message", "word"),
    [
        ({"blocks": [{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}]}, "invalid_blocks"),
        ({"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]}, "invalid_blocks"),
        ({"text": "x", "blocks": [{"type": "divider"}] * 51}, "invalid_blocks"),
        ({"blocks": []}, "no_text"),
    ],
    ids=["header-151", "section-3001", "51-blocks", "no-text"],
)
def test_slack_refusals_are_final_and_say_what_slack_said(message: dict, word: str) -> None:
    with Slack() as slack:
        ch = channel({"type": "slack", "url_env": "SLACK_URL"}, {"url": slack.url})
        error = refused(ch, message)
        assert not error.retryable and error.status == 400 and word in str(error)
        assert SLACK_PATH not in str(error) and "slacksecretpath" not in str(error)


@pytest.mark.parametrize(
    ("answer", "retryable", "retry_after"),
    [
        (text(429, "rate_limited", **{"Retry-After": "7"}), True, 7.0),
        (text(500, "internal_error"), True, None),
        (text(503, "service_unavailable", **{"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}), True, 0.0),
        (text(404, "channel_not_found"), False, None),
        (text(410, "channel_is_archived"), False, None),
        (text(403, "action_prohibited"), False, None),
    ],
    ids=["429-retry-after", "500", "503-past-date", "404", "410", "403"],
)
def test_slack_errors_are_classified(answer, retryable: bool, retry_after: float | None) -> None:
    with Slack() as slack:
        slack.script(answer)
        ch = channel({"type": "slack", "url_env": "SLACK_URL"}, {"url": slack.url})
        error = refused(ch, ch.render(notice()))
        assert (error.retryable, error.status, error.retry_after) == (retryable, answer[0], retry_after)


def test_a_receiver_that_is_down_is_worth_retrying_and_not_named() -> None:
    with Slack() as slack:
        url = slack.url
    ch = channel({"type": "slack", "url_env": "SLACK_URL"}, {"url": url})
    error = refused(ch, ch.render(notice()))
    assert error.retryable and error.status is None and "ConnectionError" in str(error)
    assert "slacksecretpath" not in str(error) and str(slack.port) not in str(error)


# --- Teams ------------------------------------------------------------------------------------------------


def test_teams_workflow_accepts_the_adaptive_card_with_202() -> None:
    with Teams() as teams:
        ch = channel({"type": "teams", "url_env": "TEAMS_URL"}, {"url": teams.url})
        assert ch.deliver(ch.render(notice()), "key-2").status == 202
        sent = teams.requests[0].json()
        card = sent["attachments"][0]["content"]
        assert sent["type"] == "message" and card["type"] == "AdaptiveCard" and card["version"] == "1.4"
        assert card["actions"][0]["url"] == f"{PUBLIC_URL}/incident?id=inc-1"
        facts = {fact["title"]: fact["value"] for fact in card["body"][1]["facts"]}
        assert facts["Severity"] == "SEV2" and "on checkout (70%)" in facts["Root cause"]


def test_teams_refuses_a_body_off_its_schema_for_good() -> None:
    with Teams() as teams:
        ch = channel({"type": "teams", "url_env": "TEAMS_URL"}, {"url": teams.url})
        error = refused(ch, {"type": "message", "text": "no card"})
        assert not error.retryable and error.status == 400 and "TriggerInputSchemaMismatch" in str(error)
        assert "sig=" not in str(error) and TEAMS_QUERY not in str(error)


@pytest.mark.parametrize("status", [429, 500, 502])
def test_teams_throttling_and_server_errors_are_retried(status: int) -> None:
    with Teams() as teams:
        teams.script(as_json(status, {"error": {"code": "x", "message": "y"}}, **{"Retry-After": "3"}))
        ch = channel({"type": "teams", "url_env": "TEAMS_URL"}, {"url": teams.url})
        error = refused(ch, ch.render(notice()))
        assert error.retryable and error.retry_after == 3.0


# --- PagerDuty --------------------------------------------------------------------------------------------


def pagerduty(receiver: PagerDuty, key: str = ROUTING_KEY):
    config = {"type": "pagerduty", "routing_key_env": "PD_KEY", "events_url": receiver.url}
    return channel(config, {"routing_key": key})


def test_pagerduty_trigger_is_accepted_with_202_and_the_incident_id_as_dedup_key() -> None:
    with PagerDuty() as pd:
        ch = pagerduty(pd)
        delivered = ch.deliver(ch.render(notice("opened")), "key-3")
        assert (delivered.status, delivered.answer) == (202, "success")
        event = pd.requests[0].json()
        assert event["routing_key"] == ROUTING_KEY and event["event_action"] == "trigger"
        assert event["dedup_key"] == "inc-1"
        payload = event["payload"]
        assert payload["severity"] == "error" and payload["source"] == "checkout"  # SEV2; the top cause's service
        assert event["links"] == [
            {"href": f"{PUBLIC_URL}/incident?id=inc-1", "text": "Incident page (root-cause report)"}
        ]


@pytest.mark.parametrize(("event", "action"), [("resolved", "resolve"), ("acknowledged", "acknowledge")])
def test_pagerduty_follow_ups_carry_the_same_dedup_key(event: str, action: str) -> None:
    with PagerDuty() as pd:
        ch = pagerduty(pd)
        assert ch.deliver(ch.render(notice(event)), "key-4").status == 202
        sent = pd.requests[0].json()
        assert (sent["event_action"], sent["dedup_key"]) == (action, "inc-1") and "payload" not in sent


def test_pagerduty_summary_fits_1024_characters_whatever_the_title() -> None:
    with PagerDuty() as pd:
        ch = pagerduty(pd)
        long = notice("opened", title="very long title " * 200)
        assert ch.deliver(ch.render(long), "key-5").status == 202
        assert len(pd.requests[0].json()["payload"]["summary"]) == 1024


def test_pagerduty_400_invalid_event_is_final_and_never_quotes_the_key() -> None:
    with PagerDuty() as pd:
        ch = pagerduty(pd, key="short-routing-key-secret")
        error = refused(ch, ch.render(notice("opened")))
        assert not error.retryable and error.status == 400
        assert "invalid event" in str(error) and "routing_key" in str(error)
        assert "short-routing-key-secret" not in str(error)


@pytest.mark.parametrize("status", [429, 500])
def test_pagerduty_429_and_500_are_retried(status: int) -> None:
    with PagerDuty() as pd:
        pd.script(
            as_json(
                status, {"status": "throttle event", "message": "Requests for this service are arriving too quickly."}
            )
        )
        ch = pagerduty(pd)
        assert refused(ch, ch.render(notice("opened"))).retryable


# --- generic webhook --------------------------------------------------------------------------------------


def test_webhook_body_and_headers_follow_the_contract() -> None:
    with Webhook(secret="s3cr3t-signing-key") as hook:
        ch = channel(
            {"type": "webhook", "url_env": "HOOK_URL", "secret_env": "HOOK_SECRET"},
            {"url": hook.url, "secret": "s3cr3t-signing-key"},
        )
        message = ch.render(notice("analyzed"))
        ch.deliver(message, "key-6")
        ch.deliver(message, "key-6")  # a retry
        first, retry = hook.requests
        assert first.body == retry.body  # the same bytes on every retry
        assert verify("s3cr3t-signing-key", first.body, first.headers[SIGNATURE_HEADER.lower()])
        assert first.headers["idempotency-key"] == retry.headers["idempotency-key"] == "key-6"
        assert hook.repeats == ["key-6"] and hook.bad_signatures == 0
        body = first.json()
        assert list(body) == ["event", "sent_at", "incident"] and body["event"] == "incident.analyzed"
        assert body["sent_at"].endswith("Z")
        incident = analysed_incident()
        assert body["incident"] == {
            "id": "inc-1",
            "title": incident.title,
            "severity": "SEV2",
            "status": "INVESTIGATING",
            "started_at": "2026-01-01T00:00:00Z",
            "url": f"{PUBLIC_URL}/incident?id=inc-1",
            "root_causes": [
                {"service": "checkout", "kind": "error_rate", "confidence": 0.7},
                {"service": "postgres", "kind": "db_slow", "confidence": 0.3},
                {"service": "payments", "kind": "error_rate", "confidence": 0.05},
            ],
        }


def test_a_receiver_with_another_secret_refuses_the_signature() -> None:
    with Webhook(secret="the-receivers-key") as hook:
        ch = channel(
            {"type": "webhook", "url_env": "HOOK_URL", "secret_env": "HOOK_SECRET"},
            {"url": hook.url, "secret": "another-key"},
        )
        error = refused(ch, ch.render(notice()))
        assert error.status == 401 and not error.retryable and hook.bad_signatures == 1
