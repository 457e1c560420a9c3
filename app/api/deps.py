"""How a route gets the runtime: the server's, 503 with the reason while it cannot start; ``writer`` also checks
the bearer token (401) when API_TOKEN is set."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from fastapi import HTTPException, Request

from app.api.safety import check_token
from core.errors import ConfigError, SourceError, StoreError

if TYPE_CHECKING:
    from core.runtime import Runtime

#: What a runtime that failed to start raises (``app.runtime.STARTUP_ERRORS``).
_UNAVAILABLE = (ConfigError, SourceError, StoreError)


class Deps:
    """FastAPI dependencies bound to one way of getting the runtime (the server's, or a test's)."""

    def __init__(self, get_runtime: Callable[[], Runtime]) -> None:
        self._get_runtime = get_runtime

    def runtime(self) -> Runtime:
        """The runtime, or 503 saying why it is not running."""
        try:
            return self._get_runtime()
        except _UNAVAILABLE as exc:
            raise HTTPException(503, f"The tool is not running: {exc}") from exc

    def writer(self, request: Request) -> Runtime:
        """The runtime for a write endpoint: 401 without the right bearer token when API_TOKEN is set."""
        runtime = self.runtime()
        check_token(request, runtime.settings)
        return runtime
