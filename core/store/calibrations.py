"""The recalibrations fitted on responders' verdicts (``calibrate --from-feedback``): one row per fit or reset,
never updated, so the history says who changed the confidences when, on how many verdicts, and to what effect.

A mixin of ``Store``: it uses the store's cursor and write lock.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

import duckdb

from core.agents.recalibration import FeedbackCalibration, PlattMap
from core.agents.reliability import Reliability

MIGRATION_STATEMENTS = [
    """CREATE TABLE confidence_calibrations (
        version INTEGER PRIMARY KEY,
        slope DOUBLE NOT NULL,
        intercept DOUBLE NOT NULL,
        verdicts INTEGER NOT NULL,
        fitted_by VARCHAR NOT NULL,
        fitted_at DOUBLE NOT NULL,
        before_json VARCHAR,
        after_json VARCHAR
    )""",
]

_COLUMNS = "version, slope, intercept, verdicts, fitted_by, fitted_at, before_json, after_json"


class CalibrationTables:
    """Stored recalibrations; ``Store`` provides ``_cursor`` and ``_write_lock``."""

    _write_lock: AbstractContextManager[Any]

    def _cursor(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        raise NotImplementedError

    def save_calibration(
        self,
        model: PlattMap,
        *,
        verdicts: int,
        by: str,
        at: float,
        before: Reliability | None = None,
        after: Reliability | None = None,
    ) -> FeedbackCalibration:
        """Store ``model`` as the next version (the identity undoes a refit), fitted by ``by`` at ``at`` (Unix
        seconds) on ``verdicts`` verdicts; returns it as stored. Earlier versions are kept."""
        with self._write_lock, self._cursor() as cur:
            row = cur.execute("SELECT coalesce(max(version), 0) FROM confidence_calibrations").fetchone()
            saved = FeedbackCalibration(
                version=int(row[0] if row else 0) + 1,
                slope=model.slope,
                intercept=model.intercept,
                verdicts=verdicts,
                fitted_by=by,
                fitted_at=at,
                before=before,
                after=after,
            )
            cur.execute(
                f"INSERT INTO confidence_calibrations ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    saved.version,
                    saved.slope,
                    saved.intercept,
                    verdicts,
                    by,
                    at,
                    before.model_dump_json() if before else None,
                    after.model_dump_json() if after else None,
                ],
            )
        return saved

    def calibrations(self) -> list[FeedbackCalibration]:
        """Every stored recalibration, newest first (empty when ``calibrate`` never stored one)."""
        with self._cursor() as cur:
            rows = cur.execute(f"SELECT {_COLUMNS} FROM confidence_calibrations ORDER BY version DESC").fetchall()
        return [_calibration(row) for row in rows]

    def latest_calibration(self) -> FeedbackCalibration | None:
        """The recalibration in force: the newest stored, None when none was ever stored."""
        with self._cursor() as cur:
            row = cur.execute(
                f"SELECT {_COLUMNS} FROM confidence_calibrations ORDER BY version DESC LIMIT 1"
            ).fetchone()
        return None if row is None else _calibration(row)


def _calibration(row: tuple[Any, ...]) -> FeedbackCalibration:
    version, slope, intercept, verdicts, by, at, before, after = row
    return FeedbackCalibration(
        version=version,
        slope=slope,
        intercept=intercept,
        verdicts=verdicts,
        fitted_by=by,
        fitted_at=at,
        before=Reliability.model_validate_json(before) if before else None,
        after=Reliability.model_validate_json(after) if after else None,
    )
