"""The memory half of the store: each incident's fingerprint (one row, replaced when it is refreshed) and the
versions of its postmortem (one row per saved version: the edit history).

A mixin of ``Store``: it uses the store's cursor and write lock.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

import duckdb

from core.memory.fingerprint import Fingerprint
from core.memory.postmortem import Postmortem

MIGRATION_STATEMENTS = [
    """CREATE TABLE incident_fingerprints (
        incident_id VARCHAR PRIMARY KEY,
        detected_at DOUBLE NOT NULL,
        fingerprint_json VARCHAR NOT NULL,
        updated_at DOUBLE NOT NULL
    )""",
    """CREATE TABLE postmortems (
        incident_id VARCHAR NOT NULL,
        version INTEGER NOT NULL,
        body_json VARCHAR NOT NULL,
        edited_by VARCHAR NOT NULL,
        edited_at DOUBLE NOT NULL,
        PRIMARY KEY (incident_id, version)
    )""",
]


class MemoryTables:
    """Fingerprints and postmortems; ``Store`` provides ``_cursor`` and ``_write_lock``."""

    _write_lock: AbstractContextManager[Any]

    def _cursor(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        raise NotImplementedError

    def save_fingerprint(self, incident_id: str, detected_at: float, fingerprint: Fingerprint, at: float) -> None:
        """Store (or replace) the fingerprint of one incident, detected at ``detected_at`` (Unix seconds)."""
        with self._write_lock, self._cursor() as cur:
            cur.execute(
                "INSERT OR REPLACE INTO incident_fingerprints VALUES (?, ?, ?, ?)",
                [incident_id, detected_at, fingerprint.model_dump_json(), at],
            )

    def fingerprint(self, incident_id: str) -> Fingerprint | None:
        """The stored fingerprint of one incident, None before its first analysis finished."""
        with self._cursor() as cur:
            row = cur.execute(
                "SELECT fingerprint_json FROM incident_fingerprints WHERE incident_id = ?", [incident_id]
            ).fetchone()
        return None if row is None else Fingerprint.model_validate_json(row[0])

    def fingerprints(self, before: float | None = None) -> list[tuple[str, float, Fingerprint]]:
        """(incident id, detected_at, fingerprint) of every fingerprinted incident detected before ``before``
        (all when None), oldest first."""
        with self._cursor() as cur:
            rows = cur.execute(
                "SELECT incident_id, detected_at, fingerprint_json FROM incident_fingerprints "
                "WHERE ? IS NULL OR detected_at < ? ORDER BY detected_at, incident_id",
                [before, before],
            ).fetchall()
        return [(i, t, Fingerprint.model_validate_json(body)) for i, t, body in rows]

    def save_postmortem(self, postmortem: Postmortem, by: str, at: float) -> Postmortem:
        """Store ``postmortem`` as the next version of its incident's (edited by ``by`` at ``at``); returns it
        as stored. Earlier versions are kept."""
        with self._write_lock, self._cursor() as cur:
            row = cur.execute(
                "SELECT coalesce(max(version), 0) FROM postmortems WHERE incident_id = ?", [postmortem.incident_id]
            ).fetchone()
            saved = postmortem.model_copy(
                update={"version": int(row[0] if row else 0) + 1, "edited_by": by, "edited_at": at}
            )
            cur.execute(
                "INSERT INTO postmortems VALUES (?, ?, ?, ?, ?)",
                [saved.incident_id, saved.version, saved.model_dump_json(), by, at],
            )
        return saved

    def postmortem_versions(self, incident_id: str) -> list[Postmortem]:
        """Every saved version of an incident's postmortem, newest first (empty when none was saved)."""
        with self._cursor() as cur:
            rows = cur.execute(
                "SELECT body_json FROM postmortems WHERE incident_id = ? ORDER BY version DESC", [incident_id]
            ).fetchall()
        return [Postmortem.model_validate_json(row[0]) for row in rows]
