"""The alerts half of the store: alerts delivered by Alertmanager or the generic endpoint, one row per
(fingerprint, starts_at), so that a redelivery updates its row instead of adding one.

A mixin of ``Store``: it uses the store's cursor and write lock. It remembers one fact between writes: whether
any alert fires. The detection loop asks for firing alerts twice per poll, and most of the time none fires.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any, Literal

import duckdb

from core.alerts.models import Alert
from core.store.rows import scalar

MIGRATION_STATEMENTS = [
    """CREATE TABLE alerts (
        fingerprint VARCHAR NOT NULL,
        starts_at DOUBLE NOT NULL,
        source VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        service VARCHAR NOT NULL,
        severity VARCHAR NOT NULL,
        labels_json VARCHAR NOT NULL,
        annotations_json VARCHAR NOT NULL,
        ends_at DOUBLE,
        generator_url VARCHAR,
        received_at DOUBLE NOT NULL,
        last_received_at DOUBLE NOT NULL,
        deliveries INTEGER NOT NULL,
        incident_id VARCHAR,
        PRIMARY KEY (fingerprint, starts_at)
    )""",
    "CREATE INDEX alerts_incident ON alerts (incident_id)",
]

_COLUMNS = (
    "fingerprint, starts_at, source, name, status, service, severity, labels_json, annotations_json, ends_at, "
    "generator_url, received_at, last_received_at, deliveries, incident_id"
)
Outcome = Literal["new", "changed", "duplicate"]


def _alert(row: tuple) -> Alert:
    (fp, starts, source, name, status, service, severity, labels, annotations, ends, url, first, last, n, inc) = row
    return Alert(
        fingerprint=fp,
        starts_at=starts,
        source=source,
        name=name,
        status=status,
        service=service,
        severity=severity,
        labels=json.loads(labels),
        annotations=json.loads(annotations),
        ends_at=ends,
        generator_url=url,
        received_at=first,
        last_received_at=last,
        deliveries=n,
        incident_id=inc,
    )


class AlertTables:
    """Upserts and reads of delivered alerts; ``Store`` provides ``_cursor`` and ``_write_lock``."""

    _write_lock: AbstractContextManager[Any]
    _alerts_firing: bool | None = None  # whether any stored alert fires; None until counted after a write
    _alert_writes = 0

    def _cursor(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        raise NotImplementedError

    def save_alerts(self, alerts: Sequence[Alert]) -> list[Outcome]:
        """Insert each alert, or update the stored one with the same (fingerprint, starts_at): ``new``,
        ``changed`` (its status, end or annotations moved on) or ``duplicate`` (the same delivery again)."""
        outcomes: list[Outcome] = []
        with self._write_lock, self._cursor() as cur:
            for alert in alerts:
                row = cur.execute(
                    "SELECT status, ends_at, annotations_json FROM alerts WHERE fingerprint = ? AND starts_at = ?",
                    [alert.fingerprint, alert.starts_at],
                ).fetchone()
                annotations = json.dumps(alert.annotations, sort_keys=True)
                if row is None:
                    cur.execute(
                        f"INSERT INTO alerts ({_COLUMNS}) VALUES ({', '.join('?' * 15)})",
                        [
                            alert.fingerprint,
                            alert.starts_at,
                            alert.source,
                            alert.name,
                            alert.status,
                            alert.service,
                            alert.severity,
                            json.dumps(alert.labels, sort_keys=True),
                            annotations,
                            alert.ends_at,
                            alert.generator_url,
                            alert.received_at,
                            alert.last_received_at,
                            1,
                            alert.incident_id,
                        ],
                    )
                    outcomes.append("new")
                    continue
                same = (row[0], row[1], row[2]) == (alert.status, alert.ends_at, annotations)
                cur.execute(
                    "UPDATE alerts SET status = ?, ends_at = ?, annotations_json = ?, last_received_at = ?, "
                    "deliveries = deliveries + 1 WHERE fingerprint = ? AND starts_at = ?",
                    [
                        alert.status,
                        alert.ends_at,
                        annotations,
                        alert.last_received_at,
                        alert.fingerprint,
                        alert.starts_at,
                    ],
                )
                outcomes.append("duplicate" if same else "changed")
            self._alerts_changed()
        return outcomes

    def firing_alerts(self, now: float) -> list[Alert]:
        """Alerts firing at ``now`` (firing, and no announced end at or before ``now``), oldest first."""
        if not self._any_alert_fires():
            return []
        with self._cursor() as cur:
            rows = cur.execute(
                f"SELECT {_COLUMNS} FROM alerts WHERE status = 'firing' AND (ends_at IS NULL OR ends_at > ?) "
                "ORDER BY starts_at, fingerprint",
                [now],
            ).fetchall()
        return [_alert(row) for row in rows]

    def latest_firing_start(self, fingerprint: str) -> float | None:
        """``starts_at`` of the newest firing alert with this fingerprint, None when none fires."""
        with self._cursor() as cur:
            row = cur.execute(
                "SELECT max(starts_at) FROM alerts WHERE fingerprint = ? AND status = 'firing'", [fingerprint]
            ).fetchone()
        return None if row is None or row[0] is None else float(row[0])

    def unlinked_firing_alerts(self) -> list[Alert]:
        """Firing alerts not yet attached to an incident."""
        if not self._any_alert_fires():
            return []
        with self._cursor() as cur:
            rows = cur.execute(
                f"SELECT {_COLUMNS} FROM alerts WHERE status = 'firing' AND incident_id IS NULL ORDER BY starts_at"
            ).fetchall()
        return [_alert(row) for row in rows]

    def _any_alert_fires(self) -> bool:
        """Whether any stored alert has the status firing, counted once after each write."""
        known = self._alerts_firing
        if known is None:
            writes = self._alert_writes
            with self._cursor() as cur:
                known = bool(scalar(cur, "SELECT count(*) FROM alerts WHERE status = 'firing'"))
            with self._write_lock:
                if writes == self._alert_writes:  # no write since the count began: still true
                    self._alerts_firing = known
        return known

    def _alerts_changed(self) -> None:
        """Forget whether alerts fire; called under the write lock after every write to the alerts table."""
        self._alert_writes += 1
        self._alerts_firing = None

    def link_alert(self, alert: Alert, incident_id: str) -> None:
        """Attach the alert to the incident it opened or joined."""
        with self._write_lock, self._cursor() as cur:
            cur.execute(
                "UPDATE alerts SET incident_id = ? WHERE fingerprint = ? AND starts_at = ?",
                [incident_id, alert.fingerprint, alert.starts_at],
            )
            self._alerts_changed()

    def incident_alerts(self, incident_id: str) -> list[Alert]:
        """The alerts attached to one incident, oldest first."""
        with self._cursor() as cur:
            rows = cur.execute(
                f"SELECT {_COLUMNS} FROM alerts WHERE incident_id = ? ORDER BY starts_at, fingerprint", [incident_id]
            ).fetchall()
        return [_alert(row) for row in rows]
