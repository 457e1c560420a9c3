"""The server process: the lifespan that starts the runtime when the server starts, and the routes served
beside the pages (the HTTP API under ``/api``, the tool's own metrics at ``/metrics``).

Detection therefore runs from server start, whether or not a browser ever connects. Without ``API_TOKEN`` the
lifespan refuses to serve on anything but a loopback address: the write endpoints would be open to anyone who
reaches the port.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from app.api import build_api
from app.runtime import SERVER, ServerRuntime
from core.config import load_settings
from core.errors import ConfigError, IncidentToolError

log = logging.getLogger(__name__)


def is_loopback(address: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``; False for wildcards, other hosts and an unset address."""
    if not address:
        return False
    if address.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


def check_binding(address: str | None, token_set: bool) -> None:
    """``ConfigError`` when the server would listen beyond this machine with no API_TOKEN to guard writes."""
    if token_set or is_loopback(address):
        return
    shown = address or "every interface (server.address is not set)"
    raise ConfigError(
        f"Refusing to serve on {shown} without API_TOKEN: the HTTP API's write endpoints would be open to the "
        "network. Set API_TOKEN to a long random secret, or bind to 127.0.0.1 (--server.address 127.0.0.1)."
    )


def _server_address() -> str | None:
    from streamlit import config

    return config.get_option("server.address") or None


def _token_set() -> bool:
    """Whether API_TOKEN is set; an invalid configuration counts as no token (the safe answer)."""
    try:
        return load_settings().api_token_set
    except ConfigError:
        return False


def lifespan_for(server: ServerRuntime, address: Callable[[], str | None] = _server_address):
    """The lifespan of an ``st.App``: check the binding, start ``server``'s runtime, stop it at shutdown."""

    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[dict[str, Any]]:
        try:
            check_binding(address(), _token_set())
        except ConfigError as exc:
            log.error("%s", exc)
            raise
        await anyio.to_thread.run_sync(server.start)
        try:
            yield {"runtime": server}
        finally:
            await anyio.to_thread.run_sync(server.stop)

    return lifespan


def metrics_endpoint(server: ServerRuntime) -> Callable[[Request], Response]:
    """``GET /metrics``: the runtime's self-metrics in the Prometheus text format (503 before it runs)."""

    def metrics(_request: Request) -> Response:
        try:
            registry = server.get().self_metrics.registry
        except IncidentToolError as exc:
            return Response(f"# the runtime is not running: {exc}\n", status_code=503, media_type="text/plain")
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return metrics


def routes(server: ServerRuntime = SERVER) -> list[BaseRoute]:
    """The routes served beside the pages: ``/api`` (FastAPI) and ``/metrics``."""
    return [
        Mount("/api", app=build_api(server.get)),
        Route("/metrics", metrics_endpoint(server), methods=["GET"]),
    ]


lifespan = lifespan_for(SERVER)
