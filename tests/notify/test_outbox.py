"""The outbox and its sender: written before sent, retried with backoff and Retry-After, kept in order, resumed."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from core.config import Settings
from core.notify.notifier import Notifier
from core.notify.retry import RetryPolicy
from core.store import Store
from tests.notify.helpers import analysed_incident
from tests.notify.receivers import Webhook, text

SECRET = "outbox-test-signing-key"


class FakeTime:
    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def notifier(store: Store, url: str, now=time.time, **settings) -> Notifier:
    config = Settings(
        notify_webhook_url=url,
        notify_webhook_secret=SECRET,
        notify_retry_base_seconds=5,
        notify_max_attempts=3,
        **settings,
    )
    built = Notifier.from_settings(config, store, lambda name: None)
    if now is not time.time:
        built = Notifier(config, store, built.config, built.channels, built.scrub, now=now)
    return built


@pytest.fixture
def store(tmp_path: Path):
    store = Store(tmp_path / "outbox.duckdb")
    yield store
    store.close()


def test_the_retry_schedule_is_exponential_capped_and_honours_retry_after() -> None:
    policy = RetryPolicy()
    assert policy.schedule() == [5, 10, 20, 40, 80, 160, 320, 600, 600, 600, 600]
    assert sum(policy.schedule()) == 3035  # 12 tries in about 51 minutes
    assert policy.delay(1, retry_after=42) == 42 and policy.delay(5, retry_after=1) == 80


def test_a_message_is_in_the_outbox_before_any_attempt_and_retries_keep_its_key(store: Store) -> None:
    clock = FakeTime()
    with Webhook(SECRET) as hook:
        hook.script(text(500, "boom"))
        notes = notifier(store, hook.url, now=clock)
        (written,) = notes.notify(analysed_incident(), "opened")
        (stored,) = store.notifications()
        assert (stored.id, stored.status, stored.attempts) == (written.id, "pending", 0)

        assert notes.sender.run_once() == 1  # 500: retried in 5 s
        (stored,) = store.notifications()
        assert (stored.status, stored.attempts, stored.last_code) == ("pending", 1, 500)
        assert stored.next_attempt_at == clock.now + 5 and "HTTP 500" in stored.last_error
        assert notes.sender.run_once() == 0  # not due yet
        clock.now += 5
        assert notes.sender.run_once() == 1
        (stored,) = store.notifications()
        assert (stored.status, stored.attempts, stored.last_code) == ("delivered", 2, 200)
        assert [r.headers["idempotency-key"] for r in hook.requests] == [written.id, written.id]
        assert hook.requests[0].body == hook.requests[1].body


def test_retry_after_holds_the_channel_back(store: Store) -> None:
    clock = FakeTime()
    with Webhook(SECRET) as hook:
        hook.script(text(429, "slow down", **{"Retry-After": "30"}))
        notes = notifier(store, hook.url, now=clock)
        first = notes.notify(analysed_incident(id="a"), "opened")[0]
        clock.now += 0.001
        second = notes.notify(analysed_incident(id="b"), "opened")[0]
        assert notes.sender.run_once() == 1  # the 429 pauses the channel: "b" is not tried
        rows = {m.id: m for m in store.notifications()}
        assert rows[first.id].next_attempt_at == pytest.approx(clock.now + 30)
        assert rows[second.id].next_attempt_at == pytest.approx(clock.now + 30) and rows[second.id].attempts == 0
        clock.now += 29
        assert notes.sender.run_once() == 0
        clock.now += 1.5
        assert notes.sender.run_once() == 2
        assert {m.status for m in store.notifications()} == {"delivered"}


def test_a_refusal_fails_at_once_and_a_dead_receiver_after_the_last_try(store: Store) -> None:
    clock = FakeTime()
    with Webhook(SECRET) as hook:
        hook.script(text(400, "unknown field"))
        notes = notifier(store, hook.url, now=clock)
        notes.notify(analysed_incident(), "opened")
        notes.sender.run_once()
        (refused,) = store.notifications(status="failed")
        assert refused.attempts == 1 and refused.last_error == "refused: webhook: HTTP 400: unknown field"
        url = hook.url
    notes = notifier(store, url, now=clock)  # the receiver is gone now
    notes.notify(analysed_incident(id="c"), "opened")
    for _ in range(3):
        notes.sender.run_once()
        clock.now += 3600
    (gone,) = [m for m in store.notifications(status="failed") if m.incident_id == "c"]
    assert gone.attempts == 3 and gone.last_error.startswith("gave up after 3 tries: webhook: ConnectionError")
    assert url not in gone.last_error


def test_messages_about_one_incident_leave_in_order(store: Store) -> None:
    clock = FakeTime()
    with Webhook(SECRET) as hook:
        hook.script(text(503, "busy"))
        notes = notifier(store, hook.url, now=clock)
        notes.notify(analysed_incident(), "opened")
        clock.now += 1
        notes.notify(analysed_incident(status="RESOLVED"), "resolved")
        notes.sender.run_once()  # "opened" fails; "resolved" must wait for it
        assert [r.json()["event"] for r in hook.requests] == ["incident.opened"]
        clock.now += 10
        assert notes.sender.run_once() == 1  # "opened" again, delivered
        assert notes.sender.run_once() == 1  # then "resolved"
        assert [r.json()["event"] for r in hook.requests] == ["incident.opened"] * 2 + ["incident.resolved"]


def test_an_outbox_left_by_a_killed_process_is_resumed_by_the_next(tmp_path: Path) -> None:
    path = tmp_path / "resume.duckdb"
    with Webhook(SECRET) as hook:
        first = Store(path)
        notifier(first, hook.url).notify(analysed_incident(), "opened")  # written, its sender never started
        first.close()  # the process ends without delivering (as a SIGKILL would leave it)

        second = Store(path)
        notes = notifier(second, hook.url)
        notes.start()
        try:
            (request,) = hook.wait_for(1)
            assert request.json()["event"] == "incident.opened"
        finally:
            notes.close()
            second.close()


def test_the_sender_thread_stops_promptly_and_leaves_pending_messages(store: Store) -> None:
    with Webhook(SECRET) as hook:
        hook.script(*[text(500, "down")] * 5)
        notes = notifier(store, hook.url)
        notes.start()
        notes.notify(analysed_incident(), "opened")
        hook.wait_for(1)
        started = time.monotonic()
        notes.close()
        assert time.monotonic() - started < 2
        assert not any(t.name == "notify-sender" for t in threading.enumerate())
        assert store.notification_counts()["pending"] == 1
