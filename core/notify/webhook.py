"""The generic webhook: one JSON contract for any receiver, signed so that it can check who sent it.

``POST`` of ``{"event": "incident.opened|incident.analyzed|incident.escalated|incident.resolved", "sent_at":
ISO 8601, "incident": {"id", "title", "severity", "status", "started_at", "url", "root_causes": [{"service",
"kind", "confidence"}]}}`` (``incident.acknowledged`` too when a route asks for it, ``notification.test`` for a
test message) with the headers

- ``X-Incident-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed by the secret>`` (when
  a secret is configured; ``t`` is the time of this attempt, so a receiver can refuse old replays), and
- ``Idempotency-Key``: the message's id, the same on every retry of one message, new for every message.

The body is composed once, when the message is written to the outbox (``sent_at`` is that moment), and every
retry sends exactly the same bytes.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC, datetime
from typing import Any

from core.notify.channel import body_of, session
from core.notify.delivery import Delivered, post
from core.notify.notice import Notice

SIGNATURE_HEADER = "X-Incident-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"


def iso(ts: float) -> str:
    """Unix seconds as ISO 8601 in UTC with a ``Z`` (``2026-01-01T12:00:00Z``)."""
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def render(notice: Notice) -> dict[str, Any]:
    """The contract's body for ``notice`` (see the module docstring)."""
    return {
        "event": "notification.test" if notice.event == "test" else f"incident.{notice.event}",
        "sent_at": iso(notice.composed_at),
        "incident": {
            "id": notice.incident_id,
            "title": notice.title,
            "severity": notice.severity,
            "status": notice.status,
            "started_at": iso(notice.started_at),
            "url": notice.url,
            "root_causes": [
                {"service": c.service, "kind": c.kind, "confidence": round(c.confidence, 4)} for c in notice.causes
            ],
        },
    }


def signature(secret: str, body: bytes, t: int) -> str:
    """The ``X-Incident-Signature`` value for ``body`` sent at unix second ``t``."""
    mac = hmac.new(secret.encode("utf-8"), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify(secret: str, body: bytes, header: str, *, now: float | None = None, tolerance: float = 300.0) -> bool:
    """What a receiver does: True when ``header`` signs ``body`` with ``secret`` within ``tolerance`` seconds."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        t = int(fields["t"])
    except (ValueError, KeyError):
        return False
    if abs((time.time() if now is None else now) - t) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, body, t), f"t={t},v1={fields.get('v1', '')}")


class WebhookChannel:
    """A generic webhook; any 2xx answer is a delivery."""

    type = "webhook"

    def __init__(
        self, name: str, url: str, url_env: str, secret: str | None, secret_env: str | None, *, timeout: float
    ) -> None:
        self.name = name
        self._url = url
        self._url_env = url_env
        self._secret = secret
        self._secret_env = secret_env
        self._timeout = timeout
        self._session = session()

    def render(self, notice: Notice) -> dict[str, Any]:
        return render(notice)

    def deliver(self, message: dict[str, Any], key: str) -> Delivered:
        body = body_of(message)
        headers = {"Content-Type": "application/json", IDEMPOTENCY_HEADER: key}
        if self._secret:
            headers[SIGNATURE_HEADER] = signature(self._secret, body, int(time.time()))
        return post(self._session, self._url, body, headers, channel=self.name, timeout=self._timeout)

    def target(self) -> str:
        signed = f", signed with the key in ${self._secret_env}" if self._secret else ", unsigned (no secret set)"
        return f"the URL in ${self._url_env}{signed}"

    def close(self) -> None:
        self._session.close()
