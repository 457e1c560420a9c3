"""Agent progress collected from worker threads; the script thread reads snapshots and draws them.

Worker threads never call ``st.*``: the analysis calls ``ProgressBoard.update`` (thread-safe), and the
page polls ``snapshot()`` while it waits for the analysis future.
"""

from __future__ import annotations

import threading

STATE_ICONS: dict[str, str] = {
    "waiting": ":material/hourglass_empty:",
    "running": ":material/progress_activity:",
    "ok": ":material/check_circle:",
    "no_data": ":material/help:",
    "error": ":material/error:",
}


class ProgressBoard:
    """The latest state of each agent of one analysis (waiting, running, ok, no_data, error)."""

    def __init__(self, agents: tuple[str, ...] = ()) -> None:
        self._lock = threading.Lock()
        self._states: dict[str, str] = dict.fromkeys(agents, "waiting")
        self._updates = 0

    def update(self, agent: str, state: str) -> None:
        """Record ``agent``'s new state; safe to call from any thread."""
        with self._lock:
            self._states[agent] = state
            self._updates += 1

    def snapshot(self) -> dict[str, str]:
        """A copy of every agent's state, in the order they were first seen."""
        with self._lock:
            return dict(self._states)

    @property
    def updates(self) -> int:
        """How many updates arrived (0 when the analysis ran without reporting to this board)."""
        with self._lock:
            return self._updates


def progress_line(agent: str, state: str) -> str:
    """One Markdown line for an agent's state, e.g. ``✓ root_cause: ok``."""
    icon = STATE_ICONS.get(state, ":material/radio_button_unchecked:")
    return f"{icon} **{agent}** — {state.replace('_', ' ')}"
