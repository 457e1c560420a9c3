"""The immediate actions responders ticked on an incident's checklist: every tick and untick is a row (who, when),
and an action's state is its newest row.

A mixin of ``Store``: it uses the store's cursor and write lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

import duckdb
from pydantic import BaseModel

MIGRATION_STATEMENTS = [
    """CREATE TABLE action_checks (
        incident_id VARCHAR NOT NULL,
        action_index INTEGER NOT NULL,
        title VARCHAR NOT NULL,
        checked BOOLEAN NOT NULL,
        checked_by VARCHAR NOT NULL,
        checked_at DOUBLE NOT NULL
    )""",
    "CREATE INDEX action_checks_incident ON action_checks (incident_id)",
]

#: The newest row per (incident, action index): the state of each action on the checklist.
_LATEST = (
    "SELECT incident_id, action_index, title, checked, checked_by, checked_at FROM action_checks "
    "WHERE list_contains(?, incident_id) "
    "QUALIFY row_number() OVER (PARTITION BY incident_id, action_index ORDER BY checked_at DESC, rowid DESC) = 1 "
    "ORDER BY incident_id, action_index"
)


class ActionCheck(BaseModel):
    """The state of one immediate action on an incident's checklist, as last set."""

    incident_id: str
    index: int  # position in the report's immediate actions
    title: str
    checked: bool
    by: str
    at: float  # Unix seconds


class ActionTables:
    """The action checklist; ``Store`` provides ``_cursor`` and ``_write_lock``."""

    _write_lock: AbstractContextManager[Any]

    def _cursor(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        raise NotImplementedError

    def save_action_check(self, check: ActionCheck) -> None:
        """Record one tick or untick (earlier ones are kept as history)."""
        with self._write_lock, self._cursor() as cur:
            cur.execute(
                "INSERT INTO action_checks VALUES (?, ?, ?, ?, ?, ?)",
                [check.incident_id, check.index, check.title, check.checked, check.by, check.at],
            )

    def action_checks(self, incident_ids: Sequence[str]) -> dict[str, list[ActionCheck]]:
        """The current state of every action ever ticked on these incidents, by incident, in checklist order."""
        if not incident_ids:
            return {}
        with self._cursor() as cur:
            rows = cur.execute(_LATEST, [list(incident_ids)]).fetchall()
        out: dict[str, list[ActionCheck]] = {}
        for incident_id, index, title, checked, by, at in rows:
            out.setdefault(incident_id, []).append(
                ActionCheck(incident_id=incident_id, index=index, title=title, checked=checked, by=by, at=at)
            )
        return out

    def checked_actions(self, incident_ids: Sequence[str]) -> dict[str, list[str]]:
        """The titles of the actions ticked now (not unticked since), by incident; incidents without any absent."""
        found = self.action_checks(incident_ids)
        checked = {i: [c.title for c in checks if c.checked] for i, checks in found.items()}
        return {i: titles for i, titles in checked.items() if titles}
