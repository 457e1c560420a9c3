"""A fake OpenAI-compatible server on 127.0.0.1 for tests that drive the real ``openai`` client.

It implements ``POST /v1/chat/completions`` in OpenAI's response shape and answers from a script::

    with FakeOpenAIServer(Reply(content='{"summary": "ok"}')) as server:
        settings = Settings(openai_api_key="sk-test", openai_base_url=server.base_url)
        ...
        assert server.requests[0].response_format["type"] == "json_schema"

A script item is a ``Reply`` or a function ``(RecordedRequest) -> Reply``; items are used in order and
the last one repeats. ``echo_deterministic`` answers every agent prompt with its own deterministic result
(an LLM that agrees), for end-to-end runs of the whole supervisor.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

COMPLETIONS_PATH = "/v1/chat/completions"
_DATA_BLOCK = re.compile(r"^(`{3,})json ([a-z_]+)\n(.*?)\n\1$", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Reply:
    """One scripted answer: a completion with ``content`` (status 200) or an error with ``status``."""

    content: str | None = None
    status: int = 200
    error_message: str = "fake server error"
    body: bytes | None = None  # raw response body; overrides content and error_message
    delay: float = 0.0  # seconds to wait before answering (past the client's timeout: a timeout)
    prompt_tokens: int = 11
    completion_tokens: int = 7
    finish_reason: str = "stop"
    model: str | None = None  # echo the requested model when None
    retry_after_ms: int | None = 5  # on errors: lets the client's retries run without its backoff
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordedRequest:
    """A request the server received; ``body`` is its parsed JSON (``{}`` when it was not JSON)."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", []))

    def message(self, role: str) -> str:
        """Content of the first message with ``role`` ("" when absent)."""
        return next((str(m.get("content", "")) for m in self.messages if m.get("role") == role), "")

    @property
    def response_format(self) -> dict[str, Any] | None:
        return self.body.get("response_format")


Script = Reply | Callable[[RecordedRequest], Reply]


def completion_body(
    content: str | None,
    *,
    model: str = "fake-model",
    prompt_tokens: int = 11,
    completion_tokens: int = 7,
    finish_reason: str = "stop",
) -> dict[str, Any]:
    """A chat completion in OpenAI's response shape."""
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_767_225_600,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "finish_reason": finish_reason,
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def data_blocks(text: str) -> dict[str, Any]:
    """The fenced JSON data blocks of a rendered prompt, by label (``evidence``, ``deterministic_result``...)."""
    return {match.group(2): json.loads(match.group(3)) for match in _DATA_BLOCK.finditer(text)}


def echo_deterministic(request: RecordedRequest) -> Reply:
    """An LLM that agrees: answers with the prompt's own ``deterministic_result`` block."""
    blocks = data_blocks(request.message("user"))
    if "deterministic_result" not in blocks:
        return Reply(status=400, error_message="no deterministic_result block in the user message")
    return Reply(content=json.dumps(blocks["deterministic_result"]))


class FakeOpenAIServer:
    """A ``ThreadingHTTPServer`` on a free port; use as a context manager or call ``start``/``stop``."""

    def __init__(self, *script: Script) -> None:
        self._script: list[Script] = list(script) or [Reply(content="{}")]
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.requests: list[RecordedRequest] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-openai", daemon=True
        )

    @property
    def base_url(self) -> str:
        """The URL to give ``OPENAI_BASE_URL`` (ends in ``/v1``)."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def script(self, *script: Script) -> None:
        """Replace the answers still to come."""
        with self._lock:
            self._script = list(script)

    def start(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # releases handlers that wait on a delay
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _next_reply(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            item = self._script.pop(0) if len(self._script) > 1 else self._script[0]
        return item(request) if callable(item) else item

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw or b"{}")
                except json.JSONDecodeError:
                    body = {}
                request = RecordedRequest("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                if self.path != COMPLETIONS_PATH:
                    with server._lock:
                        server.requests.append(request)
                    self._send(Reply(status=404, error_message=f"no route {self.path}", retry_after_ms=None), body)
                    return
                reply = server._next_reply(request)
                if reply.delay and server._stopping.wait(reply.delay):
                    return
                self._send(reply, body)

            def do_GET(self) -> None:
                self._send(Reply(status=404, error_message=f"no route GET {self.path}", retry_after_ms=None), {})

            def _send(self, reply: Reply, request_body: dict[str, Any]) -> None:
                if reply.body is not None:
                    payload = reply.body
                elif reply.status >= 400:
                    error = {"message": reply.error_message, "type": "fake_error", "code": str(reply.status)}
                    payload = json.dumps({"error": error}).encode()
                else:
                    model = reply.model or str(request_body.get("model", "fake-model"))
                    payload = json.dumps(
                        completion_body(
                            reply.content,
                            model=model,
                            prompt_tokens=reply.prompt_tokens,
                            completion_tokens=reply.completion_tokens,
                            finish_reason=reply.finish_reason,
                        )
                    ).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    if reply.status >= 400 and reply.retry_after_ms is not None:
                        self.send_header("retry-after-ms", str(reply.retry_after_ms))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:  # the client gave up (timeout) and closed the connection
                    pass

            def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
                return

        return Handler
