"""The HTTP API, mounted under ``/api`` by the server: the seed's endpoints, incidents and their reports, faults,
alert intake and status. JSON in and out, validated by pydantic; ``/api/openapi.json`` and ``/api/docs``
describe every route. ``build_api(get_runtime)`` binds it to a runtime (the server's, or a test's)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from fastapi.middleware import Middleware

from app.api import alerts, faults, incidents, memory, notifications, system
from app.api.deps import Deps
from app.api.safety import MAX_BODY_BYTES, BodyLimit, install_error_handlers
from app.api.schemas import Problem

if TYPE_CHECKING:
    from core.runtime import Runtime

DESCRIPTION = (
    "Incidents the tool detected, their root-cause analyses and reports, their postmortems and similar past "
    "incidents; fault injection into the demo "
    "service; alert intake from Alertmanager and other systems; notification channels and deliveries. Write "
    "endpoints (POST, PUT, DELETE) need "
    '`Authorization: Bearer <API_TOKEN>` when API_TOKEN is set. Errors answer `{"error": "..."}`: 400 '
    "malformed JSON, 401 missing or wrong token, 404 unknown id, 413 body over 1 MB, 422 a field that is "
    "missing or invalid (named in the message), 503 the tool is not running."
)
#: The modules whose ``router(deps)`` make up the API.
ROUTERS = (system, incidents, memory, faults, alerts, notifications)
ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": Problem} for code in (400, 401, 404, 413, 422, 503)}


def build_api(get_runtime: Callable[[], Runtime]) -> FastAPI:
    """The API application, its routes bound to ``get_runtime``; mount it under ``/api``."""
    api = FastAPI(
        title="Incident Response API",
        description=DESCRIPTION,
        version="1",
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
        responses=ERRORS,
        middleware=[Middleware(BodyLimit, limit=MAX_BODY_BYTES)],
    )
    install_error_handlers(api)
    deps = Deps(get_runtime)
    for module in ROUTERS:
        api.include_router(module.router(deps))
    return api
