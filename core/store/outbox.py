"""The notification outbox half of the store: messages written before they are sent, and what each attempt did.

A mixin of ``Store``: it uses the store's cursor and write lock and holds no state of its own. Messages of one
channel about one incident are handed out in the order they were written (a PagerDuty ``resolve`` never
overtakes its ``trigger``); a message that failed for good no longer holds the others back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

import duckdb

from core.notify.outbox import MessageStatus, OutboxMessage

MIGRATION_STATEMENTS = [
    """CREATE TABLE notifications (
        id VARCHAR PRIMARY KEY,
        channel VARCHAR NOT NULL,
        channel_type VARCHAR NOT NULL,
        event VARCHAR NOT NULL,
        incident_id VARCHAR,
        cause VARCHAR,
        message_json VARCHAR NOT NULL,
        created_at DOUBLE NOT NULL,
        status VARCHAR NOT NULL,
        attempts INTEGER NOT NULL,
        next_attempt_at DOUBLE NOT NULL,
        last_attempt_at DOUBLE,
        delivered_at DOUBLE,
        last_error VARCHAR,
        last_code INTEGER
    )""",
    "CREATE INDEX notifications_incident ON notifications (incident_id)",
]

_COLUMNS = (
    "id, channel, channel_type, event, incident_id, cause, message_json, created_at, status, attempts, "
    "next_attempt_at, last_attempt_at, delivered_at, last_error, last_code"
)


def _message(row: tuple) -> OutboxMessage:
    (id_, channel, kind, event, incident, cause, body, created, status, attempts, due, last, done, error, code) = row
    return OutboxMessage(
        id=id_,
        channel=channel,
        channel_type=kind,
        event=event,
        incident_id=incident,
        cause=cause,
        message=json.loads(body),
        created_at=created,
        status=status,
        attempts=attempts,
        next_attempt_at=due,
        last_attempt_at=last,
        delivered_at=done,
        last_error=error,
        last_code=code,
    )


class OutboxTables:
    """Writes and reads of the outbox; ``Store`` provides ``_cursor`` and ``_write_lock``."""

    _write_lock: AbstractContextManager[Any]

    def _cursor(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        raise NotImplementedError

    def enqueue_notifications(self, messages: Sequence[OutboxMessage]) -> None:
        """Write new messages (one transaction): from now on they survive a crash."""
        if not messages:
            return
        rows = [
            [
                m.id,
                m.channel,
                m.channel_type,
                m.event,
                m.incident_id,
                m.cause,
                json.dumps(m.message, ensure_ascii=False),
                m.created_at,
                m.status,
                m.attempts,
                m.next_attempt_at,
                m.last_attempt_at,
                m.delivered_at,
                m.last_error,
                m.last_code,
            ]
            for m in messages
        ]
        with self._write_lock, self._cursor() as cur:
            cur.execute("BEGIN TRANSACTION")
            try:
                cur.executemany(f"INSERT INTO notifications ({_COLUMNS}) VALUES ({', '.join('?' * 15)})", rows)
                cur.execute("COMMIT")
            except duckdb.Error:
                cur.execute("ROLLBACK")
                raise

    def due_notifications(self, now: float, limit: int = 50) -> list[OutboxMessage]:
        """Pending messages whose next attempt is due, oldest first, none behind an older pending message of
        the same channel and incident."""
        with self._cursor() as cur:
            rows = cur.execute(
                f"""SELECT {_COLUMNS} FROM notifications AS m
                WHERE status = 'pending' AND next_attempt_at <= ?
                  AND NOT EXISTS (
                    SELECT 1 FROM notifications AS o
                    WHERE o.status = 'pending' AND o.channel = m.channel AND o.incident_id = m.incident_id
                      AND (o.created_at < m.created_at OR (o.created_at = m.created_at AND o.id < m.id)))
                ORDER BY created_at, id LIMIT ?""",
                [now, limit],
            ).fetchall()
        return [_message(row) for row in rows]

    def next_notification_at(self) -> float | None:
        """When the earliest pending message is due; None when nothing is pending."""
        with self._cursor() as cur:
            row = cur.execute("SELECT min(next_attempt_at) FROM notifications WHERE status = 'pending'").fetchone()
        return None if row is None or row[0] is None else float(row[0])

    def record_attempt(
        self,
        message_id: str,
        *,
        status: MessageStatus,
        attempts: int,
        at: float,
        next_attempt_at: float,
        error: str | None = None,
        code: int | None = None,
    ) -> None:
        """Store what one attempt did (``delivered_at`` is ``at`` when it delivered)."""
        with self._write_lock, self._cursor() as cur:
            cur.execute(
                """UPDATE notifications SET status = ?, attempts = ?, last_attempt_at = ?, next_attempt_at = ?,
                    delivered_at = ?, last_error = ?, last_code = ? WHERE id = ?""",
                [status, attempts, at, next_attempt_at, at if status == "delivered" else None, error, code, message_id],
            )

    def postpone_notification(self, message_id: str, until: float) -> None:
        """Move a pending message's next attempt to ``until`` without counting an attempt (its channel asked
        to wait: ``Retry-After``)."""
        with self._write_lock, self._cursor() as cur:
            cur.execute(
                "UPDATE notifications SET next_attempt_at = ? WHERE id = ? AND status = 'pending'", [until, message_id]
            )

    def notifications(
        self, *, limit: int = 100, status: MessageStatus | None = None, incident_id: str | None = None
    ) -> list[OutboxMessage]:
        """Messages newest first, optionally of one status or one incident."""
        clauses: list[str] = []
        params: list[object] = []
        if status is not None:
            clauses.append("status = ?")
            params.append(status)
        if incident_id is not None:
            clauses.append("incident_id = ?")
            params.append(incident_id)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._cursor() as cur:
            rows = cur.execute(
                f"SELECT {_COLUMNS} FROM notifications {where} ORDER BY created_at DESC, id DESC LIMIT ?",
                [*params, limit],
            ).fetchall()
        return [_message(row) for row in rows]

    def notification_counts(self) -> dict[str, int]:
        """How many messages are pending, delivered and failed."""
        with self._cursor() as cur:
            rows = cur.execute("SELECT status, count(*) FROM notifications GROUP BY status").fetchall()
        return {"pending": 0, "delivered": 0, "failed": 0} | {status: int(n) for status, n in rows}

    def last_stated_cause(self, incident_id: str) -> str | None:
        """The cause (``service/kind``) of the newest ``analyzed`` message written for the incident, if any."""
        with self._cursor() as cur:
            row = cur.execute(
                "SELECT cause FROM notifications WHERE incident_id = ? AND event = 'analyzed' "
                "ORDER BY created_at DESC, id DESC LIMIT 1",
                [incident_id],
            ).fetchone()
        return row[0] if row else None

    def channels_told(self, incident_id: str) -> set[str]:
        """The channels that were written a message about the incident."""
        with self._cursor() as cur:
            rows = cur.execute(
                "SELECT DISTINCT channel FROM notifications WHERE incident_id = ?", [incident_id]
            ).fetchall()
        return {row[0] for row in rows}
