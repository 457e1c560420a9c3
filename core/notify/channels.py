"""Building the channels of a configuration, with their secrets, and registering every secret for scrubbing."""

from __future__ import annotations

from core.notify.channel import Channel
from core.notify.config import (
    ChannelConfig,
    EmailConfig,
    PagerDutyConfig,
    Secrets,
    SlackConfig,
    TeamsConfig,
    WebhookConfig,
)
from core.notify.delivery import Scrubber
from core.notify.email import EmailChannel
from core.notify.pagerduty import PagerDutyChannel
from core.notify.slack import SlackChannel
from core.notify.teams import TeamsChannel
from core.notify.webhook import WebhookChannel


def build(name: str, config: ChannelConfig, secrets: Secrets, *, timeout: float, scrub: Scrubber) -> Channel:
    """The channel ``name`` of ``config`` with its ``secrets`` (each one registered with ``scrub``)."""
    for role, value in secrets.items():
        scrub.add(value, url=role == "url")
    if isinstance(config, SlackConfig):
        return SlackChannel(name, secrets["url"], config.url_env, timeout=timeout)
    if isinstance(config, TeamsConfig):
        return TeamsChannel(name, secrets["url"], config.url_env, timeout=timeout)
    if isinstance(config, PagerDutyConfig):
        return PagerDutyChannel(
            name, secrets["routing_key"], config.routing_key_env, config.events_url, timeout=timeout
        )
    if isinstance(config, WebhookConfig):
        return WebhookChannel(
            name, secrets["url"], config.url_env, secrets.get("secret"), config.secret_env, timeout=timeout
        )
    assert isinstance(config, EmailConfig)
    return EmailChannel(
        name,
        host=config.host,
        port=config.port,
        security=config.security,
        sender=config.sender,
        to=config.to,
        username=secrets.get("username"),
        password=secrets.get("password"),
        ca_file=config.ca_file,
        verify_tls=config.verify_tls,
        timeout=timeout,
    )
