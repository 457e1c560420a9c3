"""The retry policy of the outbox: exponential backoff that honours ``Retry-After``, and a last try.

With the defaults (``NOTIFY_RETRY_BASE_SECONDS`` 5, ``NOTIFY_RETRY_MAX_SECONDS`` 600, ``NOTIFY_MAX_ATTEMPTS`` 12)
a message that keeps failing is tried after 5, 10, 20, 40, 80, 160, 320 s and then every 10 minutes, 12 tries in
about 51 minutes, then it is marked failed and stays visible on the Status page. A receiver's ``Retry-After``
(429, 503) moves the next try to at least that far, and holds back the channel's other messages as long.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.config import Settings


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry one message."""

    max_attempts: int = 12
    base_seconds: float = 5.0
    max_seconds: float = 600.0

    @classmethod
    def of(cls, settings: Settings) -> RetryPolicy:
        """The policy of NOTIFY_MAX_ATTEMPTS, NOTIFY_RETRY_BASE_SECONDS and NOTIFY_RETRY_MAX_SECONDS."""
        return cls(settings.notify_max_attempts, settings.notify_retry_base_seconds, settings.notify_retry_max_seconds)

    def delay(self, attempts: int, retry_after: float | None = None) -> float:
        """Seconds to wait after the ``attempts``-th failed try: ``base * 2**(attempts-1)`` up to ``max_seconds``,
        and at least ``retry_after`` when the receiver said so."""
        backoff = min(self.base_seconds * 2 ** max(0, attempts - 1), self.max_seconds)
        return max(backoff, retry_after) if retry_after is not None else backoff

    def gives_up_after(self, attempts: int) -> bool:
        """True when ``attempts`` tries are all this policy allows."""
        return attempts >= self.max_attempts

    def schedule(self) -> list[float]:
        """The waits between the tries of a message that always fails (without any Retry-After)."""
        return [self.delay(n) for n in range(1, self.max_attempts)]
