"""The outbox's rows: every message is written here before it is sent, and its deliveries are recorded on it.

A message is ``pending`` until it is ``delivered``, or ``failed`` (refused, or no success after the last try);
its id is the ``Idempotency-Key`` every attempt carries. Stored in DuckDB (``notifications``, see
``core.store.outbox``); ``core.notify.sender`` delivers it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from core.notify.notice import EventName

MessageStatus = Literal["pending", "delivered", "failed"]


class OutboxMessage(BaseModel):
    """One message to one channel, with the state of its delivery."""

    id: str  # the Idempotency-Key
    channel: str
    channel_type: str
    event: EventName
    incident_id: str | None = None
    cause: str | None = None  # "service/kind" an ``analyzed`` message states
    message: dict[str, Any] = Field(default_factory=dict)  # as rendered for the channel, without credentials
    created_at: float  # wall-clock Unix seconds
    status: MessageStatus = "pending"
    attempts: int = 0
    next_attempt_at: float
    last_attempt_at: float | None = None
    delivered_at: float | None = None
    last_error: str | None = None
    last_code: int | None = None  # HTTP status or SMTP reply code of the last attempt
