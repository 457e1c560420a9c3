"""The pages: navigation between the screens, run by Streamlit for every browser session.

The server (``app/main.py``) names this script in its ``st.App``; page tests run it with ``AppTest``. The
runtime is required before any page runs, so a startup failure shows the same explanation on every page.
"""

import sys
from pathlib import Path

# Streamlit puts the script's folder (app/) on sys.path, not the repository root that holds `core`.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import streamlit as st  # noqa: E402

from app import components  # noqa: E402
from app.runtime import require_runtime  # noqa: E402

st.set_page_config(page_title="Incident Response", page_icon=":material/emergency:", layout="wide")

navigation = st.navigation(
    [
        st.Page(components.DASHBOARD_PAGE, title="Dashboard", icon=":material/monitoring:", default=True),
        st.Page(components.INCIDENTS_PAGE, title="Incidents", icon=":material/list_alt:", url_path="incidents"),
        st.Page(
            components.INCIDENT_PAGE,
            title="Incident",
            icon=":material/report:",
            url_path="incident",
            visibility="hidden",
        ),
        st.Page(components.FAULTS_PAGE, title="Fault injection", icon=":material/bolt:", url_path="faults"),
        st.Page("../pages/analyze.py", title="Analyze a file", icon=":material/upload_file:", url_path="analyze"),
        st.Page(components.STATUS_PAGE, title="Status", icon=":material/settings_heart:", url_path="status"),
    ],
    position="top",  # the whole width for the charts: a projector at 1280 px has none to spare for a sidebar
)
require_runtime()
navigation.run()
