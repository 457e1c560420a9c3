"""Which incident events become which messages, written to the outbox and handed to the sender thread.

The runtime calls ``on_incident_event`` for the lifecycle's events (opened; updated with a higher severity:
escalated; resolved), ``on_analyzed`` after every analysis, and ``on_acknowledged`` / ``on_resolved`` when a person
acts in the tool. An ``analyzed`` message goes out when the top root cause is stated or revised (its service or
kind differs from the one the last ``analyzed`` message stated), not on every re-analysis. A channel that got a
PagerDuty ``trigger`` for an incident also gets its ``resolve``, whatever the routes say, so that no page stays
open. Rendering happens here, once per message: the stored message is what every retry sends.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from core.config import Settings, secret_from_env
from core.detection.lifecycle import IncidentEvent
from core.errors import IncidentToolError, NotFoundError
from core.models import Incident
from core.notify import channels as channel_factory
from core.notify.channel import Channel
from core.notify.config import NotifyConfig, load
from core.notify.delivery import Scrubber, quiet_transport_logs
from core.notify.notice import EventName, Notice, cause_key, channel_check_notice, notice_of
from core.notify.outbox import OutboxMessage
from core.notify.retry import RetryPolicy
from core.notify.sender import Sender
from core.store import Store

log = logging.getLogger(__name__)

CLOSE_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class ChannelInfo:
    """One channel as the Status page and the API show it (no secret)."""

    name: str
    type: str
    target: str
    routes: str  # which events, severities and services reach it


class Notifier:
    """The notifications of one runtime; ``start()`` starts the sender thread, ``close()`` stops it."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        config: NotifyConfig,
        channels: dict[str, Channel],
        scrub: Scrubber,
        *,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.config = config
        self.channels = channels
        self.scrub = scrub
        self._store = store
        self._now = now
        self.sender = Sender(store, channels, RetryPolicy.of(settings), scrub, now=now)

    @classmethod
    def disabled(cls, settings: Settings, store: Store) -> Notifier:
        """A notifier with no channel: it writes and sends nothing (``simulate`` without ``--notify``)."""
        return cls(settings, store, NotifyConfig(), {}, Scrubber())

    @classmethod
    def from_settings(
        cls, settings: Settings, store: Store, lookup: Callable[[str], str | None] = secret_from_env
    ) -> Notifier:
        """The channels and routes of ``settings`` (``ConfigError`` for a bad file or a missing variable)."""
        config, secrets = load(settings, lookup)
        scrub = Scrubber()
        quiet_transport_logs(scrub)
        channels = {
            name: channel_factory.build(
                name, channel, secrets[name], timeout=settings.notify_timeout_seconds, scrub=scrub
            )
            for name, channel in config.channels.items()
        }
        return cls(settings, store, config, channels, scrub)

    @property
    def enabled(self) -> bool:
        """True when at least one channel is configured."""
        return bool(self.channels)

    def start(self) -> None:
        """Start delivering (the outbox left by an earlier run first); nothing to do without channels."""
        if self.enabled and not self.sender.running:
            self.sender.start()

    def close(self) -> None:
        """Stop the sender thread and release connections; pending messages stay in the outbox."""
        self.sender.stop(CLOSE_TIMEOUT_SECONDS)
        for channel in self.channels.values():
            channel.close()

    def drain(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the due messages to be attempted (the CLI, before it exits)."""
        return not self.enabled or self.sender.drain(timeout)

    # --- incident events -------------------------------------------------------------------------

    def on_incident_event(self, event: IncidentEvent) -> None:
        """Messages for a lifecycle event: opened, escalated (an update that raised the severity), resolved."""
        if event.kind == "opened":
            self.notify(event.incident, "opened")
        elif event.kind == "updated" and event.escalated:
            self.notify(event.incident, "escalated")
        elif event.kind == "resolved":
            self.on_resolved(event.incident)

    def on_analyzed(self, incident: Incident) -> None:
        """An ``analyzed`` message when the analysis states a top cause other than the last one told."""
        cause = cause_key(incident)
        if cause is None or not self.enabled:
            return
        try:
            if cause == self._store.last_stated_cause(incident.id):
                return
        except IncidentToolError as exc:
            log.error("notifications for incident %s: %s", incident.id, exc)
            return
        self.notify(incident, "analyzed", cause=cause)

    def on_acknowledged(self, incident: Incident) -> None:
        """Someone took the incident in the tool (PagerDuty: ``acknowledge``)."""
        self.notify(incident, "acknowledged")

    def on_resolved(self, incident: Incident) -> None:
        """The incident ended, by itself or by hand; PagerDuty channels that were paged get the resolve."""
        extra: list[str] = []
        if self.enabled:
            try:
                told = self._store.channels_told(incident.id)
            except IncidentToolError as exc:
                log.error("notifications for incident %s: %s", incident.id, exc)
                told = set()
            extra = [name for name in told if self.channels.get(name) and self.channels[name].type == "pagerduty"]
        self.notify(incident, "resolved", also=extra)

    def notify(
        self, incident: Incident, event: EventName, *, cause: str | None = None, also: Sequence[str] = ()
    ) -> list[OutboxMessage]:
        """Write the messages of ``event`` to every channel its routes (and ``also``) name; never raises for a
        failing store or renderer: the detection loop that calls it must go on (the failure is logged)."""
        if not self.enabled:
            return []
        names = self.config.channels_for(event, incident.severity, incident.services)
        names += [name for name in also if name not in names]
        if not names:
            return []
        try:
            notice = notice_of(incident, event, self.settings.public_url, self._now())
            messages = [self._message(self.channels[name], notice, incident.id, cause) for name in names]
            self._store.enqueue_notifications(messages)
        except (IncidentToolError, ValueError) as exc:
            log.error("could not write the %s notifications of incident %s: %s", event, incident.id, exc)
            return []
        self.sender.wake()
        return messages

    def send_test(self, channel: str) -> OutboxMessage:
        """Queue a test message to ``channel`` (``NotFoundError`` for an unknown channel)."""
        if channel not in self.channels:
            raise NotFoundError(f"No notification channel named {channel!r}; configured: {', '.join(self.channels)}")
        notice = channel_check_notice(channel, self.settings.public_url, self._now())
        message = self._message(self.channels[channel], notice, None, None)
        self._store.enqueue_notifications([message])
        self.sender.wake()
        return message

    def _message(self, channel: Channel, notice: Notice, incident_id: str | None, cause: str | None) -> OutboxMessage:
        now = self._now()
        return OutboxMessage(
            id=str(uuid.uuid4()),
            channel=channel.name,
            channel_type=channel.type,
            event=notice.event,
            incident_id=incident_id,
            cause=cause,
            message=channel.render(notice),
            created_at=now,
            next_attempt_at=now,
        )

    # --- status ----------------------------------------------------------------------------------

    def channel_infos(self) -> list[ChannelInfo]:
        """Every channel with where it goes and what reaches it."""
        infos = []
        for name, channel in self.channels.items():
            routes = [
                f"{'/'.join(r.events)} at {'/'.join(r.severities)}"
                + (f" for {', '.join(r.services)}" if r.services else "")
                for r in self.config.routes
                if name in r.channels
            ]
            infos.append(ChannelInfo(name, channel.type, channel.target(), "; ".join(routes) or "no route"))
        return infos
