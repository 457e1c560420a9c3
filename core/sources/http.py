"""The one HTTP client of every outbound call (demo service, Prometheus, Loki): auth, TLS, timeouts, errors.

Credentials live only in the ``requests.Session``; every URL that reaches a message or a ``target`` goes
through ``core.redaction.redact_url`` first, and a transport error is named by its class and a short
reason, never by the library's text (which repeats the full URL), so a token or password never appears on
the status page, in a log line or in an export.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

import requests
from requests.adapters import BaseAdapter

from core.errors import SourceError
from core.redaction import redact_url

MAX_ERROR_BODY_CHARS = 300


@dataclass(frozen=True)
class HttpAuth:
    """Bearer token or basic auth (never both); secrets are kept out of ``repr``."""

    bearer_token: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.bearer_token and (self.username or self.password):
            raise ValueError("Choose either a bearer token or basic auth (username/password), not both.")
        if self.password and not self.username:
            raise ValueError("Basic auth needs a username when a password is given.")


class HttpClient:
    """A session bound to one base URL; transport failures become ``SourceError`` naming the URL."""

    def __init__(
        self,
        base_url: str,
        *,
        auth: HttpAuth | None = None,
        verify_tls: bool = True,
        timeout: float = 5.0,
        headers: dict[str, str] | None = None,
        transport: BaseAdapter | None = None,
    ) -> None:
        """``transport`` replaces the network for this base URL (``core.sources.in_process``); without one,
        requests go over HTTP(S) with the environment's proxy settings."""
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"Base URL must start with http:// or https://, got {redact_url(base_url)!r}")
        if timeout <= 0:
            raise ValueError(f"Timeout must be positive seconds, got {timeout}")
        parts = urlsplit(base_url)
        # Keep credentials only in the session, never in a URL string that could be shown.
        self.base_url = redact_url(base_url).rstrip("/")
        self.display_url = self.base_url
        self.timeout = timeout
        self._session = requests.Session()
        self._session.verify = verify_tls
        self._session.headers.update(headers or {})
        self._session.headers["Accept"] = "application/json"
        if parts.username is not None:  # credentials in the URL itself: move them to the session
            self._session.auth = (unquote(parts.username), unquote(parts.password or ""))
        if auth is not None and auth.bearer_token:
            self._session.headers["Authorization"] = f"Bearer {auth.bearer_token}"
        elif auth is not None and auth.username:
            self._session.auth = (auth.username, auth.password or "")
        if transport is not None:
            self._session.mount(f"{self.base_url}/", transport)
            self._session.trust_env = False  # no network on this path: proxies and .netrc do not apply

    def close(self) -> None:
        """Close pooled connections."""
        self._session.close()

    def request(self, method: str, path: str, *, params: Any = None, json: Any = None) -> requests.Response:
        """``method`` on ``path`` below the base URL; network errors and timeouts raise ``SourceError``."""
        url = f"{self.base_url}{path}"
        try:
            return self._session.request(method, url, params=params, json=json, timeout=self.timeout)
        except requests.RequestException as exc:
            # The exception text may repeat the full URL; keep only its class to stay credential-free.
            raise SourceError(
                f"{method} {self.display_url}{path}: {type(exc).__name__}: {transport_reason(exc)}"
            ) from exc

    def get(self, path: str, params: Any = None) -> requests.Response:
        """GET ``path`` below the base URL; network errors and timeouts raise ``SourceError``."""
        return self.request("GET", path, params=params)


def transport_reason(exc: requests.RequestException) -> str:
    """A short cause for a transport error without the URL (which may carry credentials)."""
    if isinstance(exc, requests.Timeout):
        return "timed out"
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS verification failed"
    if isinstance(exc, requests.ConnectionError):
        return "connection failed"
    return "request failed"


def body_excerpt(response: requests.Response) -> str:
    """The first characters of a response body on one line, for error messages."""
    text = response.text[:MAX_ERROR_BODY_CHARS]
    return " ".join(text.split())
