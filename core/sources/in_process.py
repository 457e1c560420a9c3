"""A ``requests`` transport that hands each request to a function in this process instead of a socket.

Simulations reach the embedded demo shop through it: the loopback round trip (``http.server`` parsing,
urllib3, two thread switches) cost more than simulating the shop. Everything else is the real path: the
same ``HttpClient`` and ``requests`` session prepare the request (query string included), the demo
service's own routing answers it with the bytes its HTTP server would send, and the same parsing reads them.
The live app keeps real HTTP.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from http import HTTPStatus
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

#: Base URL of a service reached in process: the reserved ``.invalid`` domain, never resolvable.
IN_PROCESS_URL = "http://in-process.invalid"

#: (method, target: path and query, body) -> (status, body, content type)
Answer = Callable[[str, str, bytes], tuple[int, bytes, str]]


class InProcessTransport(BaseAdapter):
    """Sends a prepared request to ``answer`` and wraps its reply as a ``requests.Response``."""

    def __init__(self, answer: Answer) -> None:
        super().__init__()
        self._answer = answer

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float | None, float | None] | None = None,
        verify: bool | str = True,
        cert: str | tuple[str, str] | None = None,
        proxies: dict[str, str] | None = None,
    ) -> requests.Response:
        """Answer ``request`` at once (timeouts, TLS, certificates and proxies have no meaning here)."""
        url = urlsplit(request.url or "")
        target = url.path + (f"?{url.query}" if url.query else "")
        method = request.method or "GET"
        status, body, content_type = self._answer(method, target, _bytes(request.body))
        return response(request, status, b"" if method == "HEAD" else body, {"Content-Type": content_type})

    def close(self) -> None:
        """Nothing to release."""


def response(
    request: requests.PreparedRequest, status: int, body: bytes, headers: Mapping[str, str]
) -> requests.Response:
    """A ``requests.Response`` as ``HTTPAdapter.build_response`` makes one: status, headers, encoding, body."""
    built = requests.Response()
    built.status_code = status
    built.headers = CaseInsensitiveDict({**headers, "Content-Length": str(len(body))})
    built.encoding = get_encoding_from_headers(built.headers)
    built.raw = io.BytesIO(body)
    built.reason = _phrase(status)
    built.url = request.url or ""
    built.request = request
    return built


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _bytes(body: object) -> bytes:
    """The request body as bytes; a streamed body (an iterator or file) is refused: nothing here sends one."""
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, bytes):
        return body
    raise TypeError(f"an in-process request needs its body as bytes or str, not {type(body).__name__}")
