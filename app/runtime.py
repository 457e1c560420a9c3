"""The app's one ``Runtime`` per server process, built from ``load_settings()``.

Under the server (``app/main.py``) the lifespan starts it before the first request (``SERVER``) and stops it
at shutdown; pages and the HTTP API share it. Without the server (``AppTest`` page tests, or ``streamlit
run app/shell.py``) the first page builds one in ``st.cache_resource`` and the cache closes it. This is the only
place the UI builds settings. Pages call ``require_runtime()``: on a startup failure it shows what happened and
what to do, and stops the page.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any, NoReturn

import streamlit as st

from app.formatting import advice_for
from core.config import Settings, load_settings
from core.errors import ConfigError, SourceError, StoreError, StoreLockedError

if TYPE_CHECKING:
    from core.runtime import Runtime

log = logging.getLogger(__name__)

#: Errors ``Runtime.start`` raises on purpose; anything else is a bug and shows as a traceback.
STARTUP_ERRORS: tuple[type[Exception], ...] = (StoreLockedError, StoreError, SourceError, ConfigError)
#: A failed start is retried by the next page view or API call, at most this often (seconds).
RETRY_SECONDS = 5.0


def start_runtime(settings: Settings) -> Runtime:
    """Start the runtime (store, embedded demo service, scheduler thread); the seam tests may replace."""
    from core.runtime import Runtime
    from demo_service import DemoService  # the app is a composition root: it embeds the demo shop

    return Runtime.start(settings, demo=DemoService)


class ServerRuntime:
    """The server process's runtime: started by the lifespan, shared by every page and API call.

    A failed start (a locked database, an invalid setting) is kept, shown by pages and the API, and retried at
    most every ``RETRY_SECONDS`` by the next caller, so fixing the problem needs no restart.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runtime: Runtime | None = None
        self._error: Exception | None = None
        self._tried_at = 0.0
        self.active = False  # True between the lifespan's start and stop

    def start(self) -> None:
        """Start the runtime now (the lifespan calls this once); a startup error is kept, not raised."""
        self.active = True
        with self._lock:
            self._try_start()

    def _try_start(self) -> None:
        self._tried_at = time.monotonic()
        try:
            self._runtime, self._error = start_runtime(load_settings()), None
        except STARTUP_ERRORS as exc:
            self._error = exc
            log.error("the runtime did not start: %s", exc)

    def get(self) -> Runtime:
        """The running runtime; the startup error (after one more try when due) when there is none."""
        runtime = self._runtime
        if runtime is not None:
            return runtime
        with self._lock:
            if self._runtime is None and time.monotonic() - self._tried_at >= RETRY_SECONDS:
                self._try_start()
            if self._runtime is not None:
                return self._runtime
            assert self._error is not None
            raise self._error

    def stop(self) -> None:
        """Stop the scheduler, executors and demo service (at server shutdown)."""
        with self._lock:
            runtime, self._runtime = self._runtime, None
            self.active = False
        if runtime is not None:
            runtime.close()


#: The runtime of the server process (``app/server.py`` starts and stops it).
SERVER = ServerRuntime()


def _release(runtime: Any) -> None:
    """Stop the scheduler, executors and demo service of a runtime the cache dropped."""
    close = getattr(runtime, "close", None)
    if callable(close):
        close()


@st.cache_resource(show_spinner="Starting the detection loop and the demo service…", on_release=_release)
def _page_runtime() -> Runtime:
    """A runtime for pages run without the server (a failed start is not cached, so a reload retries)."""
    return start_runtime(load_settings())


def get_runtime() -> Runtime:
    """The process-wide runtime: the server's when it runs, else one built for the pages."""
    if SERVER.active:
        return SERVER.get()
    return _page_runtime()


def require_runtime() -> Runtime:
    """The runtime, or an explained ``st.error`` and ``st.stop()`` when it cannot start."""
    try:
        return get_runtime()
    except STARTUP_ERRORS as exc:
        _stop_with(exc)


def _stop_with(exc: Exception) -> NoReturn:
    if isinstance(exc, StoreLockedError):
        what = "The incident database is locked by another process"
    elif isinstance(exc, StoreError):
        what = "The incident database could not be opened"
    elif isinstance(exc, SourceError):
        what = "The demo service could not be started or reached"
    else:
        what = "The configuration is invalid"
    st.error(f"**{what}.** {exc}\n\n**What to do:** {advice_for(exc)}", icon=":material/error:")
    st.caption("The app retries on every reload once the problem is fixed.")
    st.stop()
