"""The immediate-action checklist in DuckDB (migration 8): every tick kept, the newest one is the state, and it
survives a restart of the store on the same file."""

from __future__ import annotations

from pathlib import Path

import duckdb

from core.store import Store
from core.store.actions import ActionCheck
from core.store.migrations import MIGRATIONS


def _tick(incident_id: str, index: int, checked: bool, at: float, title: str = "Roll back checkout") -> ActionCheck:
    return ActionCheck(incident_id=incident_id, index=index, title=title, checked=checked, by="ana", at=at)


def test_the_newest_tick_is_the_state_and_it_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "actions.duckdb"
    store = Store(path)
    store.save_action_check(_tick("inc-1", 0, True, 10.0))
    store.save_action_check(_tick("inc-1", 1, True, 11.0, title="Scale payments"))
    store.save_action_check(_tick("inc-1", 1, False, 12.0, title="Scale payments"))  # unticked again
    store.save_action_check(_tick("inc-2", 0, True, 13.0))
    store.close()

    again = Store(path)
    try:
        checks = again.action_checks(["inc-1", "inc-2", "inc-3"])
        assert [(c.index, c.checked, c.at) for c in checks["inc-1"]] == [(0, True, 10.0), (1, False, 12.0)]
        assert again.checked_actions(["inc-1", "inc-2", "inc-3"]) == {
            "inc-1": ["Roll back checkout"],
            "inc-2": ["Roll back checkout"],
        }
        assert again.action_checks([]) == {}
    finally:
        again.close()


def test_ticks_at_the_same_second_keep_their_order(tmp_path: Path) -> None:
    store = Store(tmp_path / "same.duckdb")
    try:
        for checked in (True, False, True, False):
            store.save_action_check(_tick("inc-1", 0, checked, 5.0))
        assert store.checked_actions(["inc-1"]) == {}  # the last row written wins a tie
    finally:
        store.close()


def test_a_database_that_got_migration_9_first_gets_8_at_its_next_start(tmp_path: Path) -> None:
    path = tmp_path / "nine-first.duckdb"
    Store(path).close()
    with duckdb.connect(str(path)) as conn:  # as a database migrated before migration 8 existed would be
        conn.execute("DROP TABLE action_checks")
        conn.execute("DELETE FROM schema_migrations WHERE version = 8")
    again = Store(path)
    try:
        assert again.schema_version() == MIGRATIONS[-1][0] == 9
        again.save_action_check(_tick("inc-1", 0, True, 1.0))
        assert again.checked_actions(["inc-1"]) == {"inc-1": ["Roll back checkout"]}
    finally:
        again.close()
