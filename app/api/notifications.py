"""``/api/notifications``: the channels, what the outbox holds and delivered, and a test message per channel (as the
Status page offers). Never a secret: channels are described by the names of the variables that hold them."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from app.api.deps import Deps
from app.api.schemas import when
from core.notify.outbox import OutboxMessage
from core.runtime import Runtime


class ChannelOut(BaseModel):
    """One configured channel: its type, where it goes (variable names, hosts) and which routes reach it."""

    name: str
    type: str
    target: str
    routes: str


class DeliveryOut(BaseModel):
    """One message of the outbox and the state of its delivery; ``id`` is its ``Idempotency-Key``."""

    id: str
    channel: str
    type: str
    event: str
    incident_id: str | None
    status: str
    attempts: int
    created_at: datetime
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None  # while pending
    delivered_at: datetime | None
    last_code: int | None
    last_error: str | None

    @classmethod
    def of(cls, m: OutboxMessage) -> "DeliveryOut":
        return cls(
            id=m.id,
            channel=m.channel,
            type=m.channel_type,
            event=m.event,
            incident_id=m.incident_id,
            status=m.status,
            attempts=m.attempts,
            created_at=when(m.created_at),
            last_attempt_at=when(m.last_attempt_at),
            next_attempt_at=when(m.next_attempt_at) if m.status == "pending" else None,
            delivered_at=when(m.delivered_at),
            last_code=m.last_code,
            last_error=m.last_error,
        )


class NotificationsOut(BaseModel):
    """The channels, how many messages are pending, delivered and failed, and the newest messages."""

    channels: list[ChannelOut]
    sender_running: bool
    counts: dict[str, int]
    recent: list[DeliveryOut]


def router(deps: Deps) -> APIRouter:
    """The notification routes, bound to ``deps``."""
    api = APIRouter(prefix="/notifications", tags=["notifications"])
    reader = Annotated[Runtime, Depends(deps.runtime)]
    writer = Annotated[Runtime, Depends(deps.writer)]

    @api.get("", response_model=NotificationsOut, summary="Channels, outbox counts and the newest deliveries")
    def notifications(
        runtime: reader,
        limit: Annotated[int, Query(ge=1, le=1000)] = 50,
        status: Annotated[str | None, Query(pattern="^(pending|delivered|failed)$")] = None,
    ) -> NotificationsOut:
        notifier = runtime.notifier
        return NotificationsOut(
            channels=[ChannelOut(**vars(info)) for info in notifier.channel_infos()],
            sender_running=notifier.sender.running,
            counts=runtime.store.notification_counts(),
            recent=[DeliveryOut.of(m) for m in runtime.store.notifications(limit=limit, status=status)],  # type: ignore[arg-type]
        )

    @api.post("/{channel}/test", status_code=202, response_model=DeliveryOut, summary="Queue a test message")
    def send_test(channel: str, runtime: writer) -> DeliveryOut:
        return DeliveryOut.of(runtime.notifier.send_test(channel))

    return api
