"""What guards the API: the bearer token on write endpoints, the 1 MB body limit, and errors that say what
was wrong (a field named, an id not found) as ``{"error": "..."}``, never a stack trace or a secret."""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.config import Settings
from core.errors import ConfigError, FaultRequestError, InvalidInputError, NotFoundError, SourceError, StoreError

#: Largest request body accepted (bytes); a larger one gets 413 before it is read.
MAX_BODY_BYTES = 1_000_000


def error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The API's error answer: ``{"error": message}`` with ``status``."""
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def check_token(request: Request, settings: Settings) -> None:
    """401 unless the request carries ``Authorization: Bearer <API_TOKEN>``; a no-op when API_TOKEN is unset."""
    if not settings.api_token_set:
        return
    expected = settings.api_token.get_secret_value() if settings.api_token else ""
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise HTTPException(
            401,
            "Missing bearer token: write endpoints need the header Authorization: Bearer <API_TOKEN>.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not hmac.compare_digest(given.strip().encode(), expected.encode()):
        raise HTTPException(
            401, "Wrong bearer token: it does not match API_TOKEN.", headers={"WWW-Authenticate": "Bearer"}
        )


class BodyLimit:
    """ASGI middleware: 413 for a body over ``limit`` bytes, by its Content-Length or as it streams in.

    A streamed body that passes the limit gets its 413 at once; the application then sees the client gone and
    whatever it answers is dropped.
    """

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._too_large(scope, receive, send)
            return
        seen = 0
        answered = False

        async def counting_receive() -> Message:
            nonlocal seen, answered
            if answered:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    await self._too_large(scope, receive, send)
                    answered = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if not answered:
                await send(message)

        await self.app(scope, counting_receive, guarded_send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = f"Request body too large: the limit is {self.limit:,} bytes (1 MB)."
        await error(413, message)(scope, receive, send)


def describe_validation(exc: RequestValidationError) -> tuple[int, str]:
    """(400, why) when the body is not JSON at all; else (422, ``field: problem; ...``) naming each field."""
    problems = []
    for item in exc.errors():
        if item.get("type") == "json_invalid":
            reason = item.get("ctx", {}).get("error", "not valid JSON")
            return 400, f"The body is not valid JSON: {reason}."
        if tuple(item.get("loc", ())) == ("body",) and item.get("type") != "missing":
            return 400, f"The body must be a JSON object sent as application/json: {item.get('msg', 'invalid')}."
        location = [str(part) for part in item.get("loc", ()) if part not in ("body",)]
        field = ".".join(location) or "body"
        problems.append(f"{field}: {item.get('msg', 'invalid')}")
    return 422, "; ".join(problems) or "The request is invalid."


def install_error_handlers(api: FastAPI) -> None:
    """Map the project's errors and FastAPI's to ``{"error": ...}`` answers with a fitting status."""
    table: list[tuple[type[Exception], int, Callable[[Exception], str]]] = [
        (NotFoundError, 404, str),
        (FaultRequestError, 422, str),
        (InvalidInputError, 422, str),
        (ConfigError, 409, str),
        (SourceError, 502, lambda exc: f"The demo service or a source did not answer: {exc}"),
        (StoreError, 503, lambda exc: f"The database could not be read or written: {exc}"),
    ]
    for kind, status, text in table:
        api.add_exception_handler(kind, _handler(status, text))

    async def validation(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        status, message = describe_validation(exc)
        return error(status, message)

    async def http(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
        return error(exc.status_code, detail, getattr(exc, "headers", None))

    api.add_exception_handler(RequestValidationError, validation)
    api.add_exception_handler(StarletteHTTPException, http)


def _handler(status: int, text: Callable[[Exception], str]):
    async def handle(_request: Request, exc: Exception) -> JSONResponse:
        return error(status, text(exc))

    return handle
