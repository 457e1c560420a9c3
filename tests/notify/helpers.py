"""Shared pieces of the notification tests: an analysed incident, its notice, channels built as the runtime does."""

from __future__ import annotations

from core.models import Incident
from core.notify import channels
from core.notify.channel import Channel
from core.notify.config import ChannelConfig, NotifyConfig, Secrets
from core.notify.delivery import Scrubber
from core.notify.notice import Notice, notice_of
from tests.report.views import T0, incident, rich_view

PUBLIC_URL = "http://incidents.example.org:8501"


def analysed_incident(**changes: object) -> Incident:
    """An INVESTIGATING SEV2 incident (hostile title) whose report names error_rate on checkout at 70%."""
    return incident(**{"final_summary": rich_view(), **changes})


def notice(event: str = "analyzed", **changes: object) -> Notice:
    return notice_of(analysed_incident(**changes), event, PUBLIC_URL, T0 + 60)  # type: ignore[arg-type]


def channel(config: dict, secrets: Secrets, name: str = "target", *, timeout: float = 5.0) -> Channel:
    """The channel of one configuration entry, as ``Notifier.from_settings`` builds it."""
    parsed: ChannelConfig = NotifyConfig.model_validate({"channels": {name: config}}).channels[name]
    return channels.build(name, parsed, secrets, timeout=timeout, scrub=Scrubber())
