"""The app's one ``Runtime`` per server process, built from ``load_settings()`` and closed when the cache drops it.

This is the only place the UI builds settings. Pages call ``require_runtime()``: on a startup failure it
shows what happened and what to do, and stops the page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

import streamlit as st

from app.formatting import advice_for
from core.config import Settings, load_settings
from core.errors import ConfigError, SourceError, StoreError, StoreLockedError

if TYPE_CHECKING:
    from core.runtime import Runtime

#: Errors ``Runtime.start`` raises on purpose; anything else is a bug and shows as a traceback.
STARTUP_ERRORS: tuple[type[Exception], ...] = (StoreLockedError, StoreError, SourceError, ConfigError)


def start_runtime(settings: Settings) -> Runtime:
    """Start the runtime (store, embedded demo service, scheduler thread); the seam tests may replace."""
    from core.runtime import Runtime
    from demo_service import DemoService  # the app is a composition root: it embeds the demo shop

    return Runtime.start(settings, demo=DemoService)


def _release(runtime: Any) -> None:
    """Stop the scheduler, executors and demo service of a runtime the cache dropped."""
    close = getattr(runtime, "close", None)
    if callable(close):
        close()


@st.cache_resource(show_spinner="Starting the detection loop and the demo service…", on_release=_release)
def get_runtime() -> Runtime:
    """The process-wide runtime, built once (a failed start is not cached, so a reload retries)."""
    return start_runtime(load_settings())


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
