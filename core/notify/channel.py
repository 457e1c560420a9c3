"""What every channel does: render a notice into the message it stores in the outbox, and deliver a stored
message (adding its credentials only then). HTTP channels share ``HttpChannel``."""

from __future__ import annotations

import json
from typing import Any, Protocol

import requests

from core.notify.delivery import Delivered, post
from core.notify.notice import Notice

USER_AGENT = "incident-response-notifier/1"


class Channel(Protocol):
    """One configured destination (``name`` from the configuration, ``type`` slack/teams/pagerduty/email/webhook)."""

    name: str
    type: str

    def render(self, notice: Notice) -> dict[str, Any]:
        """The message for ``notice`` as JSON-able data, without any credential (it is stored)."""
        ...

    def deliver(self, message: dict[str, Any], key: str) -> Delivered:
        """Send a rendered message whose idempotency key is ``key``; raises ``DeliveryError``."""
        ...

    def target(self) -> str:
        """Where it goes, for people: the variable names and hosts, never a secret value."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


def session() -> requests.Session:
    """A keep-alive HTTP session that names this tool to the receiver."""
    made = requests.Session()
    made.headers["User-Agent"] = USER_AGENT
    return made


def body_of(message: dict[str, Any]) -> bytes:
    """The JSON body sent for a stored message: compact, UTF-8, keys in the stored order."""
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class HttpChannel:
    """A channel that POSTs JSON to one secret URL (Slack, Teams): subclasses render."""

    type = "http"

    def __init__(self, name: str, url: str, url_env: str, *, timeout: float) -> None:
        self.name = name
        self._url = url
        self._url_env = url_env
        self._timeout = timeout
        self._session = session()

    def render(self, notice: Notice) -> dict[str, Any]:
        raise NotImplementedError

    def deliver(self, message: dict[str, Any], key: str) -> Delivered:
        headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": key}
        return post(self._session, self._url, body_of(message), headers, channel=self.name, timeout=self._timeout)

    def target(self) -> str:
        return f"the URL in ${self._url_env}"

    def close(self) -> None:
        self._session.close()
