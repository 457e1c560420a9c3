"""Core of the incident-response tool: sources, detection, agents, orchestration, store.

Nothing in ``core`` imports Streamlit; the UI lives in ``app/`` and ``pages/``.
"""
