"""Channels and routes: ``NOTIFICATIONS_FILE`` (TOML), or the ``NOTIFY_WEBHOOK_URL`` shortcut.

A channel names its secrets (webhook URLs, a routing key, an SMTP password, a signing key) by the environment
variable that holds them (``url_env``, ``routing_key_env``, ``password_env``, ``secret_env``); a secret written
into the file itself is refused, so that the file can be committed and shown. A route says which events, at
which severities and for which services, go to which channels; an incident matches a route's ``services`` when
any of its services is listed. See the README's Notifications section for an example.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.config import Settings
from core.errors import ConfigError
from core.models import Severity
from core.notify.notice import DEFAULT_EVENTS, EventName

PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
SHORTCUT_CHANNEL = "webhook"  # the channel NOTIFY_WEBHOOK_URL makes
SEVERITIES: tuple[Severity, ...] = ("SEV1", "SEV2", "SEV3", "SEV4")
#: Keys that would hold a secret's value in the file, and the key that names its variable instead.
_LITERAL_SECRETS = {"routing_key": "routing_key_env", "password": "password_env", "secret": "secret_env"}


class _Channel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _no_literal_secret(cls, data: Any) -> Any:
        if isinstance(data, dict):
            literal = dict(_LITERAL_SECRETS)
            if cls.model_fields.get("url_env") is not None:
                literal["url"] = "url_env"  # the URL of a chat or generic webhook is its credential
            for key, env_key in literal.items():
                if key in data:
                    raise ValueError(
                        f"'{key}' is a secret and is never written in the file: put it in an environment variable "
                        f"and name that variable with '{env_key}'"
                    )
        return data


class SlackConfig(_Channel):
    """A Slack incoming webhook (``https://hooks.slack.com/services/...``)."""

    type: Literal["slack"]
    url_env: str


class TeamsConfig(_Channel):
    """A Microsoft Teams workflow webhook ("When a Teams webhook request is received"), posting an Adaptive Card."""

    type: Literal["teams"]
    url_env: str


class PagerDutyConfig(_Channel):
    """PagerDuty Events API v2: ``routing_key_env`` names the variable holding the integration key."""

    type: Literal["pagerduty"]
    routing_key_env: str
    events_url: str = PAGERDUTY_EVENTS_URL  # the EU service answers at events.eu.pagerduty.com


class EmailConfig(_Channel):
    """E-mail over SMTP (text and HTML). ``security``: ``starttls`` (port 587), ``tls`` (implicit, 465) or ``none``."""

    type: Literal["email"]
    host: str
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username_env: str | None = None
    password_env: str | None = None
    sender: str  # the From address
    to: list[str] = Field(min_length=1)
    ca_file: Path | None = None  # a CA bundle to trust instead of the system's (a private or self-signed CA)
    verify_tls: bool = True


class WebhookConfig(_Channel):
    """A generic webhook: the JSON contract, signed with the key in ``secret_env`` when given."""

    type: Literal["webhook"]
    url_env: str
    secret_env: str | None = None


ChannelConfig = Annotated[
    SlackConfig | TeamsConfig | PagerDutyConfig | EmailConfig | WebhookConfig, Field(discriminator="type")
]


class Route(BaseModel):
    """Which events (at which severities, for which services) go to which channels; an empty list matches all."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    channels: list[str] = Field(min_length=1)
    events: list[EventName] = Field(default_factory=lambda: list(DEFAULT_EVENTS))
    severities: list[Severity] = Field(default_factory=lambda: list(SEVERITIES))
    services: list[str] = Field(default_factory=list)

    def matches(self, event: EventName, severity: Severity, services: Sequence[str]) -> bool:
        """True when this route sends ``event`` of an incident of ``severity`` touching ``services``."""
        if event not in self.events or severity not in self.severities:
            return False
        return not self.services or any(service in self.services for service in services)


class NotifyConfig(BaseModel):
    """The channels by name and the routes between events and channels."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    channels: dict[str, ChannelConfig] = Field(default_factory=dict)
    routes: list[Route] = Field(default_factory=list)

    @model_validator(mode="after")
    def _routes_name_channels(self) -> NotifyConfig:
        for i, route in enumerate(self.routes):
            unknown = [name for name in route.channels if name not in self.channels]
            if unknown:
                raise ValueError(f"routes[{i}] names channels that are not defined: {', '.join(unknown)}")
        return self

    def channels_for(self, event: EventName, severity: Severity, services: Sequence[str]) -> list[str]:
        """The channels that ``event`` goes to, each once, in the order the routes name them."""
        chosen: dict[str, None] = {}
        for route in self.routes:
            if route.matches(event, severity, services):
                chosen.update(dict.fromkeys(route.channels))
        return list(chosen)


def read_file(path: Path) -> NotifyConfig:
    """``NOTIFICATIONS_FILE`` parsed and checked; ``ConfigError`` naming the file and what is wrong."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"NOTIFICATIONS_FILE: cannot read {path}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"NOTIFICATIONS_FILE: {path} is not valid TOML: {exc}") from exc
    try:
        return NotifyConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"NOTIFICATIONS_FILE: {path}: {_describe(exc)}") from exc


def _describe(exc: ValidationError) -> str:
    """``channels.pager.routing_key_env: Field required; ...``: where in the file, and what is wrong."""
    problems = []
    for error in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in error["loc"]) or "the file"
        problems.append(f"{where}: {error['msg'].removeprefix('Value error, ')}")
    return "; ".join(problems)


#: A channel's secrets by role (``url``, ``routing_key``, ``username``, ``password``, ``secret``).
Secrets = dict[str, str]


def secrets_of(name: str, channel: ChannelConfig, lookup: Callable[[str], str | None]) -> Secrets:
    """The values of the variables ``channel`` names, read with ``lookup``; ``ConfigError`` naming the channel
    and each variable that is required and not set."""
    wanted: dict[str, tuple[str | None, bool]] = {}  # role -> (variable, required)
    for role in ("url", "routing_key", "username", "password", "secret"):
        variable = getattr(channel, f"{role}_env", None)
        wanted[role] = (variable, role in ("url", "routing_key"))
    secrets: Secrets = {}
    missing = []
    for role, (variable, required) in wanted.items():
        if variable is None:
            continue
        value = lookup(variable)
        if value is None and required:
            missing.append(variable)
        elif value is not None:
            secrets[role] = value
    if missing:
        raise ConfigError(
            f"NOTIFICATIONS_FILE: channel '{name}' needs the environment variable {', '.join(missing)}, which is "
            "not set (the file names secrets; their values come from the environment)."
        )
    return secrets


def load(settings: Settings, lookup: Callable[[str], str | None]) -> tuple[NotifyConfig, dict[str, Secrets]]:
    """The configured channels and routes with each channel's secrets: ``NOTIFICATIONS_FILE`` plus, when
    ``NOTIFY_WEBHOOK_URL`` is set, a channel named ``webhook`` that every default event goes to."""
    config = read_file(settings.notifications_file) if settings.notifications_file else NotifyConfig()
    secrets = {name: secrets_of(name, channel, lookup) for name, channel in config.channels.items()}
    url = settings.notify_webhook_url.get_secret_value() if settings.notify_webhook_url else ""
    if url:
        if SHORTCUT_CHANNEL in config.channels:
            raise ConfigError(
                f"NOTIFY_WEBHOOK_URL makes a channel named '{SHORTCUT_CHANNEL}', and NOTIFICATIONS_FILE defines one "
                "too: rename the file's channel, or unset NOTIFY_WEBHOOK_URL and route to it in the file."
            )
        shortcut = WebhookConfig(type="webhook", url_env="NOTIFY_WEBHOOK_URL", secret_env="NOTIFY_WEBHOOK_SECRET")
        config = NotifyConfig(
            channels={**config.channels, SHORTCUT_CHANNEL: shortcut},
            routes=[*config.routes, Route(channels=[SHORTCUT_CHANNEL])],
        )
        secret = settings.notify_webhook_secret.get_secret_value() if settings.notify_webhook_secret else ""
        secrets[SHORTCUT_CHANNEL] = {"url": url, **({"secret": secret} if secret else {})}
    return config, secrets
