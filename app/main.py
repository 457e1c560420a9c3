"""Entry point: ``python -m streamlit run app/main.py`` from the repository root (``make run``).

``streamlit run`` finds the ``st.App`` below and serves, in one process, the pages (``shell.py``), the HTTP API
under ``/api`` and the tool's metrics at ``/metrics``; the lifespan starts the runtime (store, sources,
detection loop) when the server starts, so detection runs before any browser connects, and stops it at
shutdown (``app/server.py``).
"""

import sys
from pathlib import Path

# Streamlit puts the script's folder (app/) on sys.path, not the repository root that holds `core`.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import streamlit as st  # noqa: E402

from app.server import lifespan, routes  # noqa: E402

app = st.App("shell.py", lifespan=lifespan, routes=routes())
