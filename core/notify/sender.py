"""The sender thread: delivers the outbox's due messages, records every attempt, and retries by the policy.

Delivery is at least once: a message is marked delivered only after its receiver answered, so a process killed
in between sends it again when it starts (with the same ``Idempotency-Key``, which lets receivers drop the
repeat). One thread per process; ``stop()`` lets the attempt in flight finish (bounded by
NOTIFY_TIMEOUT_SECONDS) and leaves the rest in the outbox for the next start.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping

from core.errors import StoreError
from core.notify.channel import Channel
from core.notify.delivery import DeliveryError, Scrubber
from core.notify.outbox import OutboxMessage
from core.notify.retry import RetryPolicy
from core.store import Store

log = logging.getLogger(__name__)

IDLE_SECONDS = 1.0  # the longest sleep between two looks at the outbox (new messages also wake the thread)
MIN_SLEEP_SECONDS = 0.05
BATCH = 50  # messages read per look


class Sender:
    """Delivers pending messages of ``store`` through ``channels`` (by name)."""

    def __init__(
        self,
        store: Store,
        channels: Mapping[str, Channel],
        policy: RetryPolicy,
        scrub: Scrubber,
        *,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._channels = dict(channels)
        self._policy = policy
        self._scrub = scrub
        self._now = now
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._idle = threading.Event()
        self._paused_until: dict[str, float] = {}  # channel -> wall time its Retry-After ends
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None  # of the sender itself (the store), not of a delivery

    @property
    def running(self) -> bool:
        """True while the thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the thread (``RuntimeError`` when it runs already)."""
        if self.running:
            raise RuntimeError("the notification sender is already running")
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="notify-sender", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Look at the outbox now (a message was written)."""
        self._idle.clear()
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the attempt in flight; undelivered messages stay in the outbox."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def drain(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds until no message is due; True when none is (some may wait for a retry)."""
        deadline = time.monotonic() + timeout
        self.wake()
        while time.monotonic() < deadline:
            if self._idle.wait(min(0.1, max(0.0, deadline - time.monotonic()))) and not self._store.due_notifications(
                self._now(), limit=1
            ):
                return True
        return False

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
                wait = self._sleep_seconds()
                self.last_error = None
            except StoreError as exc:  # the database is closing or failing: try again shortly
                self.last_error = str(exc)
                log.error("notification outbox unreadable: %s", exc)
                wait = IDLE_SECONDS
            self._idle.set()
            self._wake.wait(wait)
            self._wake.clear()

    def _sleep_seconds(self) -> float:
        due = self._store.next_notification_at()
        if due is None:
            return IDLE_SECONDS
        return min(IDLE_SECONDS, max(MIN_SLEEP_SECONDS, due - self._now()))

    def run_once(self) -> int:
        """Attempt every message that is due now; returns how many attempts were made."""
        attempts = 0
        for message in self._store.due_notifications(self._now(), BATCH):
            if self._stop.is_set():
                break
            paused = self._paused_until.get(message.channel, 0.0)
            if paused > self._now():
                self._store.postpone_notification(message.id, paused)
                continue
            self.attempt(message)
            attempts += 1
        return attempts

    def attempt(self, message: OutboxMessage) -> None:
        """One delivery attempt of ``message``, recorded in the outbox."""
        tries = message.attempts + 1
        channel = self._channels.get(message.channel)
        at = self._now()
        if channel is None:
            error = f"the channel {message.channel!r} is no longer configured"
            self._store.record_attempt(
                message.id, status="failed", attempts=tries, at=at, next_attempt_at=at, error=error
            )
            log.error("notification %s not sent: %s", message.id, error)
            return
        try:
            delivered = channel.deliver(message.message, message.id)
        except DeliveryError as exc:
            self._failed(message, tries, at, exc)
            return
        except (KeyError, TypeError, ValueError) as exc:  # a stored message this channel cannot read
            error = self._scrub(f"{message.channel}: unreadable stored message ({type(exc).__name__}: {exc})")
            self._store.record_attempt(
                message.id, status="failed", attempts=tries, at=at, next_attempt_at=at, error=error
            )
            log.error("notification %s not sent: %s", message.id, error)
            return
        self._store.record_attempt(
            message.id, status="delivered", attempts=tries, at=at, next_attempt_at=at, code=delivered.status
        )
        log.info("notification %s (%s) delivered to %s on try %d", message.id, message.event, message.channel, tries)

    def _failed(self, message: OutboxMessage, tries: int, at: float, exc: DeliveryError) -> None:
        error = self._scrub(str(exc))
        if exc.retry_after is not None:
            self._paused_until[message.channel] = at + exc.retry_after
        if exc.retryable and not self._policy.gives_up_after(tries):
            wait = self._policy.delay(tries, exc.retry_after)
            self._store.record_attempt(
                message.id,
                status="pending",
                attempts=tries,
                at=at,
                next_attempt_at=at + wait,
                error=error,
                code=exc.status,
            )
            log.warning(
                "notification %s to %s failed (try %d of %d), next in %.0f s: %s",
                message.id,
                message.channel,
                tries,
                self._policy.max_attempts,
                wait,
                error,
            )
            return
        reason = f"gave up after {tries} tries: {error}" if exc.retryable else f"refused: {error}"
        self._store.record_attempt(
            message.id, status="failed", attempts=tries, at=at, next_attempt_at=at, error=reason, code=exc.status
        )
        log.error("notification %s to %s failed for good: %s", message.id, message.channel, reason)
