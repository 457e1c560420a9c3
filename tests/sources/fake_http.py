"""A real HTTP server on 127.0.0.1 whose answers come from a Python function, for contract tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    path: str
    params: dict[str, list[str]]
    headers: dict[str, str]


Reply = tuple[int, str, str]  # status, content type, body
Handler = Callable[[Request], Reply]


@dataclass
class FakeServer:
    url: str
    requests: list[Request] = field(default_factory=list)


@contextmanager
def serve(handler: Handler) -> Iterator[FakeServer]:
    """Serve ``handler`` on a free port until the block ends; every request is recorded."""
    server_state = FakeServer(url="")

    class _Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            request = Request(parts.path, parse_qs(parts.query), {k.lower(): v for k, v in self.headers.items()})
            server_state.requests.append(request)
            status, content_type, body = handler(request)
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server_state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server_state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
