"""HTTP front of the simulation: a standard-library threading server with JSON errors everywhere."""

from __future__ import annotations

import json
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from prometheus_client import CONTENT_TYPE_LATEST

from demo_service.faults import FaultRequestError, parse_fault_request
from demo_service.logbuffer import CursorError
from demo_service.simulation import Simulation, UnknownFaultError
from demo_service.topology import topology_document

MAX_BODY_BYTES = 64 * 1024
JSON_TYPE = "application/json"
LOG_PARAMETERS = ("since", "limit")

#: (status, body, content type) of one response.
Reply = tuple[int, bytes, str]


class RequestError(Exception):
    """A request the server refuses; ``status`` is the HTTP status, the message says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _json(status: int, payload: object) -> Reply:
    return status, json.dumps(payload).encode(), JSON_TYPE


class ShopHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that serves one ``Simulation``."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], simulation: Simulation) -> None:
        self.simulation = simulation
        super().__init__(address, ShopRequestHandler)


class ShopRequestHandler(BaseHTTPRequestHandler):
    """Routes requests to the simulation; every answer, including errors, is JSON (or metrics)."""

    server: ShopHTTPServer
    server_version = "demo-shop/1.0"
    protocol_version = "HTTP/1.1"
    timeout = 30  # seconds a client may take to send its request
    disable_nagle_algorithm = True  # headers and body go out in two writes; Nagle would delay keep-alive replies 40 ms

    def log_message(self, format: str, *args: object) -> None:
        """Silence the per-request lines that BaseHTTPRequestHandler writes to stderr."""

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_DELETE = do_PUT = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Answer malformed requests that http.server rejects itself with JSON, then close."""
        self.close_connection = True
        if not str(getattr(self, "request_version", "")).startswith("HTTP/1."):
            self.request_version = "HTTP/1.0"  # unparseable request line: still answer with a status line
        text = message or HTTPStatus(code).phrase
        self._reply(_json(code, {"error": text}), close=True)

    def _dispatch(self) -> None:
        reply = _answer(lambda: route(self.server.simulation, self.command, self.path, self._read_body()))
        self._reply(reply, close=self.close_connection)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            raise RequestError(411, "chunked bodies are not supported; send a Content-Length")
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            return b""
        if not length_text.strip().isdigit():
            self.close_connection = True
            raise RequestError(400, f"Content-Length must be a non-negative integer, got {length_text!r}")
        length = int(length_text)
        if length > MAX_BODY_BYTES:
            self.close_connection = True  # the unread body would be taken for the next request
            raise RequestError(413, f"request body of {length} bytes exceeds the {MAX_BODY_BYTES}-byte limit")
        return self.rfile.read(length) if length else b""

    def _reply(self, reply: Reply, close: bool) -> None:
        status, body, content_type = reply
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            if status == 405:
                self.send_header("Allow", ", ".join(self._allowed()))
            if close:
                self.send_header("Connection", "close")
            self.end_headers()
            if getattr(self, "command", None) != "HEAD":
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client left; nothing to tell it

    def _allowed(self) -> list[str]:
        path = urlsplit(getattr(self, "path", "/")).path
        methods = set(_methods(path))
        return sorted(methods | {"HEAD"} if "GET" in methods else methods)


def handle(simulation: Simulation, method: str, target: str, body: bytes = b"") -> Reply:
    """The reply to one request (``target``: path and query) with every error as JSON, as the server sends
    it; ``DemoService.handle`` answers through this without a socket, byte for byte the same."""
    return _answer(lambda: route(simulation, method, target, body))


def _answer(produce: Callable[[], Reply]) -> Reply:
    """``produce()``, or the JSON error reply of what it raised."""
    try:
        return produce()
    except RequestError as exc:
        return _json(exc.status, {"error": str(exc)})
    except Exception as exc:  # the server must keep serving; the client learns what broke
        return _json(500, {"error": f"internal error: {type(exc).__name__}: {exc}"})


def route(simulation: Simulation, method: str, target: str, body: bytes) -> Reply:
    """Call the endpoint of ``method`` on ``target`` (HEAD as GET); RequestError when there is none."""
    parts = urlsplit(target)
    path = parts.path
    methods = _methods(path)
    if not methods:
        raise RequestError(404, f"no such endpoint {path!r}; endpoints: {', '.join(_ENDPOINTS)}")
    handler = methods.get("GET" if method == "HEAD" else method)
    if handler is None:
        raise RequestError(405, f"{method} is not allowed on {path}; allowed: {', '.join(sorted(methods))}")
    return handler(simulation, path, parts.query, body)


# --- endpoint functions: (simulation, path, query string, body) -> reply -----------------------------

Endpoint = Callable[[Simulation, str, str, bytes], Reply]


def _index(sim: Simulation, path: str, query: str, body: bytes) -> Reply:
    return _json(200, {"service": "demo shop", "endpoints": list(_ENDPOINTS)})


def _health(sim: Simulation, path: str, query: str, body: bytes) -> Reply:
    return _json(200, sim.health())


def _metrics(sim: Simulation, path: str, query: str, body: bytes) -> Reply:
    return 200, sim.metrics_text(), CONTENT_TYPE_LATEST


def _topology(sim: Simulation, path: str, query: str, body: bytes) -> Reply:
    return _json(200, topology_document())


def _logs(sim: Simulation, path: str, query: str, body: bytes) -> Reply:
    params = parse_qs(query, keep_blank_values=True)
    unknown = sorted(set(params) - set(LOG_PARAMETERS))
    if unknown:
        raise RequestError(400, f"unknown query parameter(s) {', '.join(unknown)}; known: {', '.join(LOG_PARAMETERS)}")
    repeated = [name for name, values in params.items() if len(values) > 1]
    if repeated:
        raise RequestError(400, f"query parameter {repeated[0]!r} given more than once")
    since = params.get("since", [None])[0]
    limit = params.get("limit", [None])[0]
    try:
        return _json(200, sim.read_logs(since, limit))
    except CursorError as exc:
        raise RequestError(400, str(exc)) from exc


def _faults(sim: Simulation, path: str, query: str, body: bytes) -> Reply:
    return _json(200, sim.faults())


def _inject(sim: Simulation, path: str, query: str, body: bytes) -> Reply:
    if not body.strip():
        raise RequestError(400, 'request body is empty; send a JSON object like {"type": "error_rate"}')
    try:
        document = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise RequestError(400, f"request body is not UTF-8: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise RequestError(400, f"malformed JSON: {exc}") from exc
    except RecursionError as exc:
        raise RequestError(400, "malformed JSON: nested too deeply") from exc
    try:
        return _json(201, sim.inject(parse_fault_request(document)))
    except FaultRequestError as exc:
        raise RequestError(400, str(exc)) from exc


def _stop_all(sim: Simulation, path: str, query: str, body: bytes) -> Reply:
    return _json(200, {"stopped": sim.stop_all()})


def _stop_one(sim: Simulation, path: str, query: str, body: bytes) -> Reply:
    fault_id = unquote(path[len("/faults/") :])
    try:
        return _json(200, {"stopped": sim.stop_fault(fault_id)})
    except UnknownFaultError as exc:
        raise RequestError(404, str(exc)) from exc


_ENDPOINTS: dict[str, dict[str, Endpoint]] = {
    "/": {"GET": _index},
    "/health": {"GET": _health},
    "/metrics": {"GET": _metrics},
    "/topology": {"GET": _topology},
    "/logs": {"GET": _logs},
    "/faults": {"GET": _faults, "POST": _inject, "DELETE": _stop_all},
    "/faults/{id}": {"DELETE": _stop_one},
}


def _methods(path: str) -> dict[str, Endpoint]:
    """The methods served on ``path``; empty when no endpoint matches."""
    if path.startswith("/faults/") and len(path) > len("/faults/"):
        return _ENDPOINTS["/faults/{id}"]
    return _ENDPOINTS.get(path, {})
