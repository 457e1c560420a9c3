"""The ``log_templates`` and ``log_template_aliases`` tables: the template miner's memory across restarts.

A template keeps its id for as long as it is stored: the monitor saves what the miner changed after each
poll (written by ``core.store.pending``) and loads the most recently seen templates when the process starts.
"""

from __future__ import annotations

import duckdb

from core.logmining.miner import TemplateRecord
from core.store.rows import scalar

MIGRATION_STATEMENTS = [
    """CREATE TABLE log_templates (
        template_id VARCHAR PRIMARY KEY,
        template VARCHAR NOT NULL,
        first_seen DOUBLE NOT NULL,
        last_seen DOUBLE NOT NULL,
        line_count BIGINT NOT NULL
    )""",
    """CREATE TABLE log_template_aliases (
        alias_id VARCHAR PRIMARY KEY,
        template_id VARCHAR NOT NULL
    )""",
]


def load(cur: duckdb.DuckDBPyConnection, limit: int) -> tuple[list[TemplateRecord], dict[str, str]]:
    """The ``limit`` most recently seen templates, and every alias."""
    rows = cur.execute(
        "SELECT template_id, template, first_seen, last_seen, line_count FROM log_templates "
        "ORDER BY last_seen DESC LIMIT ?",
        [limit],
    ).fetchall()
    aliases = dict(cur.execute("SELECT alias_id, template_id FROM log_template_aliases").fetchall())
    return [TemplateRecord(r[0], r[1], float(r[2]), float(r[3]), int(r[4])) for r in rows], aliases


def purge_before(cur: duckdb.DuckDBPyConnection, cutoff: float) -> int:
    """Delete templates last seen before ``cutoff`` and the aliases pointing at them; returns templates deleted."""
    deleted = scalar(cur, "DELETE FROM log_templates WHERE last_seen < ?", [cutoff])
    cur.execute("DELETE FROM log_template_aliases WHERE template_id NOT IN (SELECT template_id FROM log_templates)")
    return int(deleted)
