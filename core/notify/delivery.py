"""One delivery attempt over HTTP: POST a body, read the answer as success, a failure worth retrying, or a
refusal that no retry will change; never a secret in what comes back.

The URL of a chat webhook is its credential, so an error names the channel and the answer, never the URL (the
``requests`` exception text repeats it, and is dropped); ``Scrubber`` removes any secret value that still finds
its way into a text (a receiver echoing its URL), and ``quiet_transport_logs`` keeps ``urllib3``'s debug lines,
which quote the request path and query, free of them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl, urlsplit

import requests

from core.errors import NotifyError
from core.sources.http import transport_reason

MAX_ANSWER_CHARS = 300  # of a refusal's body quoted in an error
MAX_RETRY_AFTER_SECONDS = 3600.0  # a Retry-After longer than this is capped (the message would be stale)
MASK = "***"


class DeliveryError(NotifyError):
    """An attempt failed; ``retryable`` says whether another try may succeed (network, 429, 5xx)."""

    def __init__(
        self, message: str, *, retryable: bool, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True)
class Delivered:
    """A successful attempt: the receiver's status code (HTTP, or 250 for SMTP) and a short answer."""

    status: int
    answer: str = ""


class Scrubber:
    """Replaces every registered secret (and the path and query of a secret URL) in a text with ``***``."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()

    def add(self, secret: str, *, url: bool = False) -> None:
        """Register ``secret``; for a URL, also its path, query string and query values (logged on their own)."""
        parts = {secret}
        if url:
            split = urlsplit(secret)
            if len(split.path) > 1:
                parts.add(split.path)
            if split.query:
                parts.add(split.query)
                parts.update(value for _, value in parse_qsl(split.query) if len(value) >= 8)
        with self._lock:
            self._values.update(part for part in parts if len(part) >= 4)

    def __call__(self, text: str) -> str:
        with self._lock:
            values = sorted(self._values, key=len, reverse=True)  # a URL before its own path
        for value in values:
            text = text.replace(value, MASK)
        return text


class _ScrubFilter(logging.Filter):
    def __init__(self, scrub: Scrubber) -> None:
        super().__init__()
        self._scrub = scrub

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self._scrub(record.getMessage()), None
        return True


#: Loggers of the HTTP stack whose debug lines quote request paths and queries.
TRANSPORT_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry", "requests")


def quiet_transport_logs(scrub: Scrubber) -> None:
    """Scrub the secrets of ``scrub`` from the HTTP stack's own log lines (once per scrubber)."""
    for name in TRANSPORT_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _ScrubFilter) and f._scrub is scrub for f in logger.filters):
            logger.addFilter(_ScrubFilter(scrub))


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds from now (a number of seconds or an HTTP date), capped at
    ``MAX_RETRY_AFTER_SECONDS``; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - (time.time() if now is None else now)
        except (TypeError, ValueError, IndexError):
            return None
    return min(max(0.0, seconds), MAX_RETRY_AFTER_SECONDS)


def post(
    session: requests.Session,
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    channel: str,
    timeout: float,
    ok: Iterable[int] = range(200, 300),
) -> Delivered:
    """POST ``body`` to ``url``; ``Delivered`` on a status in ``ok``, else ``DeliveryError`` (see ``refusal``)."""
    try:
        response = session.post(url, data=body, headers=dict(headers), timeout=timeout, allow_redirects=False)
    except requests.RequestException as exc:
        raise DeliveryError(f"{channel}: {type(exc).__name__}: {transport_reason(exc)}", retryable=True) from exc
    answer = " ".join(response.text[:MAX_ANSWER_CHARS].split())
    if response.status_code in ok:
        return Delivered(response.status_code, answer)
    raise refusal(channel, response.status_code, answer, response.headers.get("Retry-After"))


def refusal(channel: str, status: int, answer: str, retry_after: str | None) -> DeliveryError:
    """A refusal by status: 429 (honouring ``Retry-After``), 408 and 5xx are worth retrying; any other status
    (400 a malformed message, 403/404/410 a revoked or wrong webhook, a redirect) will not change by retrying."""
    retryable = status in (408, 429) or status >= 500
    wait = retry_after_seconds(retry_after) if retryable else None
    said = f": {answer}" if answer else ""
    return DeliveryError(f"{channel}: HTTP {status}{said}", retryable=retryable, status=status, retry_after=wait)
