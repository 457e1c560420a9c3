"""Local HTTP servers on 127.0.0.1 that answer as the documented APIs do, for contract tests.

- Slack incoming webhooks: ``200 ok``; ``400 invalid_payload`` (not JSON), ``400 no_text`` (neither text nor
  blocks), ``400 invalid_blocks`` (a block over Block Kit's limits or of an unknown type); ``404 no_service``
  (another path).
- Teams workflow webhooks: ``202 Accepted`` with an empty body; ``400`` ``{"error": {"code":
  "TriggerInputSchemaMismatch", ...}}`` for a body that is not a message with an Adaptive Card attachment.
- PagerDuty Events API v2 (``/v2/enqueue``): ``202`` ``{"status": "success", "message": "Event processed",
  "dedup_key": ...}``; ``400`` ``{"status": "invalid event", "message": "Event object is invalid", "errors": [...]}``.
- A generic webhook receiver that verifies ``X-Incident-Signature`` and remembers ``Idempotency-Key``s.

Each can be told to answer the next requests otherwise (``script``: a 429 with ``Retry-After``, a 500), and
records every request it received.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = tuple[int, dict[str, str], bytes]
SLACK_PATH = "/services/T0000TEST/B0000TEST/slacksecretpathXYZ123"
TEAMS_PATH = "/workflows/abc123/triggers/manual/paths/invoke"
TEAMS_QUERY = "api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=teamsSignatureSecretQ9"
PAGERDUTY_PATH = "/v2/enqueue"
ROUTING_KEY = "R0UTINGKEY0123456789abcdefSECRET"  # 32 characters, as PagerDuty requires


@dataclass
class Request:
    """One request as received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.time)

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """A threaded HTTP server on 127.0.0.1; subclasses answer documented requests in ``answer``."""

    def __init__(self, port: int = 0) -> None:
        self.requests: list[Request] = []
        self._script: list[Answer] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                request = Request("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                status, headers, payload = receiver._handle(request)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def script(self, *answers: Answer) -> None:
        """Answer the next requests with ``answers``, in order, before answering as documented again."""
        with self._lock:
            self._script.extend(answers)

    def _handle(self, request: Request) -> Answer:
        with self._lock:
            self.requests.append(request)
            if self._script:
                return self._script.pop(0)
        return self.answer(request)

    def answer(self, request: Request) -> Answer:
        raise NotImplementedError

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Request]:
        """The requests once at least ``count`` arrived (AssertionError after ``timeout`` seconds)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.requests) >= count:
                    return list(self.requests)
            time.sleep(0.02)
        raise AssertionError(f"{len(self.requests)} requests arrived, {count} expected within {timeout} s")


def text(status: int, body: str, **headers: str) -> Answer:
    return status, {"Content-Type": "text/plain", **headers}, body.encode()


def as_json(status: int, body: object, **headers: str) -> Answer:
    return status, {"Content-Type": "application/json", **headers}, json.dumps(body).encode()


#: Block Kit limits as Slack documents them (checked here independently of ``core.notify.slack``).
_BLOCK_TYPES = {"header", "section", "context", "divider", "actions", "image", "rich_text", "markdown"}


def block_kit_violations(message: dict) -> list[str]:
    """What Slack would refuse with ``invalid_blocks``."""
    found = []
    blocks = message.get("blocks", [])
    if not isinstance(blocks, list) or len(blocks) > 50:
        return ["blocks: not a list of at most 50"]
    for i, block in enumerate(blocks):
        kind = block.get("type")
        if kind not in _BLOCK_TYPES:
            found.append(f"{i}: unknown type {kind!r}")
        text_obj = block.get("text") or {}
        length = len(text_obj.get("text", ""))
        if kind == "header" and (text_obj.get("type") != "plain_text" or length > 150):
            found.append(f"{i}: header")
        if kind == "section":
            fields = block.get("fields") or []
            if length > 3000 or len(fields) > 10 or any(len(f.get("text", "")) > 2000 for f in fields):
                found.append(f"{i}: section")
            if not text_obj and not fields:
                found.append(f"{i}: empty section")
        if kind == "context":
            elements = block.get("elements") or []
            if not elements or len(elements) > 10 or any(len(e.get("text", "")) > 3000 for e in elements):
                found.append(f"{i}: context")
    return found


class Slack(Receiver):
    """A Slack incoming webhook at ``SLACK_PATH``."""

    @property
    def url(self) -> str:
        return self.base + SLACK_PATH

    def answer(self, request: Request) -> Answer:
        if request.path != SLACK_PATH:
            return text(404, "no_service")
        try:
            message = request.json()
        except ValueError:
            return text(400, "invalid_payload")
        if not isinstance(message, dict):
            return text(400, "invalid_payload")
        if not message.get("text") and not message.get("blocks"):
            return text(400, "no_text")
        if block_kit_violations(message):
            return text(400, "invalid_blocks")
        return text(200, "ok")


class Teams(Receiver):
    """A Teams workflow webhook ("When a Teams webhook request is received") at ``TEAMS_PATH?TEAMS_QUERY``."""

    @property
    def url(self) -> str:
        return f"{self.base}{TEAMS_PATH}?{TEAMS_QUERY}"

    def answer(self, request: Request) -> Answer:
        if request.path != f"{TEAMS_PATH}?{TEAMS_QUERY}":
            return as_json(401, {"error": {"code": "DirectApiAuthorizationRequired", "message": "bad signature"}})
        try:
            message = request.json()
            card = message["attachments"][0]
            ok = (
                message["type"] == "message"
                and card["contentType"] == "application/vnd.microsoft.card.adaptive"
                and card["content"]["type"] == "AdaptiveCard"
                and isinstance(card["content"]["body"], list)
            )
        except (ValueError, KeyError, IndexError, TypeError):
            ok = False
        if not ok:
            error = {"code": "TriggerInputSchemaMismatch", "message": "The input body for trigger 'manual' ..."}
            return as_json(400, {"error": error})
        return 202, {}, b""


class PagerDuty(Receiver):
    """PagerDuty's Events API v2 at ``PAGERDUTY_PATH``."""

    @property
    def url(self) -> str:
        return self.base + PAGERDUTY_PATH

    def answer(self, request: Request) -> Answer:
        try:
            event = request.json()
        except ValueError:
            return self._invalid("Event object is invalid JSON")
        errors = []
        if len(event.get("routing_key", "")) != 32:
            errors.append("Length of 'routing_key' is incorrect (should be 32 characters)")
        if event.get("event_action") not in ("trigger", "acknowledge", "resolve"):
            errors.append("'event_action' is invalid (must be one of: trigger, acknowledge, resolve)")
        if len(event.get("dedup_key", "")) > 255:
            errors.append("'dedup_key' is too long")
        if event.get("event_action") == "trigger":
            payload = event.get("payload") or {}
            if not payload.get("summary") or len(payload["summary"]) > 1024:
                errors.append("'payload.summary' is missing or longer than 1024 characters")
            if not payload.get("source"):
                errors.append("'payload.source' is missing or blank")
            if payload.get("severity") not in ("critical", "error", "warning", "info"):
                errors.append("'payload.severity' is invalid")
        if errors:
            return self._invalid(*errors)
        dedup = event.get("dedup_key") or "generated0000"
        return as_json(202, {"status": "success", "message": "Event processed", "dedup_key": dedup})

    @staticmethod
    def _invalid(*errors: str) -> Answer:
        return as_json(400, {"status": "invalid event", "message": "Event object is invalid", "errors": list(errors)})


class Webhook(Receiver):
    """A generic webhook receiver: verifies the signature and keeps what each Idempotency-Key delivered."""

    def __init__(self, secret: str | None, port: int = 0, on_message: Callable[[dict], None] | None = None) -> None:
        super().__init__(port)
        self.secret = secret
        self.first_seen: dict[str, dict] = {}  # key -> body of its first delivery
        self.repeats: list[str] = []  # keys delivered again
        self.bad_signatures = 0
        self.on_message = on_message

    @property
    def url(self) -> str:
        return self.base + "/hooks/incidents-secret-path"

    def answer(self, request: Request) -> Answer:
        if self.secret is not None and not verify(
            self.secret, request.body, request.headers.get("x-incident-signature", "")
        ):
            self.bad_signatures += 1
            return text(401, "bad signature")
        key = request.headers.get("idempotency-key", "")
        if key in self.first_seen:
            self.repeats.append(key)
            return text(200, "duplicate")
        body = request.json()
        self.first_seen[key] = body
        if self.on_message is not None:
            self.on_message(body)
        return text(200, "ok")


def verify(secret: str, body: bytes, header: str, tolerance: float = 300.0) -> bool:
    """The README's receiver check, written independently of ``core.notify.webhook``."""
    try:
        fields = dict(item.split("=", 1) for item in header.split(","))
        t = int(fields["t"])
    except (ValueError, KeyError):
        return False
    if abs(time.time() - t) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields.get("v1", ""))
