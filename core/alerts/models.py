"""The stored alert, and the two bodies that deliver alerts: Alertmanager's webhook (version 4) and the generic one."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from core.models import Severity

AlertStatus = Literal["firing", "resolved"]
MAX_LABELS = 200
MAX_TEXT_CHARS = 2_000


class Alert(BaseModel):
    """One alert as stored: its identity is (``fingerprint``, ``starts_at``), so a redelivery updates it."""

    source: Literal["alertmanager", "generic"]
    fingerprint: str
    starts_at: float  # unix seconds
    name: str  # the alertname label, or the generic title
    status: AlertStatus
    service: str
    severity: Severity
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    ends_at: float | None = None  # None while firing with no end announced
    generator_url: str | None = None  # redacted: scheme, host, port and path only
    received_at: float  # first delivery
    last_received_at: float  # latest delivery
    deliveries: int = 1
    incident_id: str | None = None  # the incident it opened or joined

    @property
    def summary(self) -> str:
        """The ``summary`` (else ``description``) annotation, or empty."""
        return self.annotations.get("summary") or self.annotations.get("description") or ""


class AlertmanagerAlert(BaseModel):
    """One entry of ``alerts[]`` in Alertmanager's webhook payload, field names as Alertmanager spells them."""

    model_config = ConfigDict(extra="ignore")

    status: AlertStatus
    labels: dict[str, str] = Field(max_length=MAX_LABELS)
    annotations: dict[str, str] = Field(default_factory=dict, max_length=MAX_LABELS)
    startsAt: datetime
    endsAt: datetime | None = None
    generatorURL: str = ""
    fingerprint: str = Field(default="", max_length=200)


class AlertmanagerPayload(BaseModel):
    """Alertmanager's webhook body (``webhook_config``, payload version 4)."""

    model_config = ConfigDict(extra="ignore")

    version: Literal["4"] = Field(description='Payload version; Alertmanager sends "4".')
    groupKey: str = ""
    truncatedAlerts: int = 0
    status: AlertStatus
    receiver: str = ""
    alerts: list[AlertmanagerAlert] = Field(max_length=10_000)


class GenericAlert(BaseModel):
    """An alert from any other system: ``POST /api/alerts``.

    ``severity`` is SEV1-SEV4 or a word (critical, error, warning, info...; see README); ``starts_at`` and
    ``ends_at`` are ISO 8601 or unix seconds; an ``ends_at`` in the past resolves the alert. Sending the same
    title, service and labels with the same ``starts_at`` again updates it (idempotent).
    """

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=500)
    service: str = Field(min_length=1, max_length=200)
    severity: str | None = Field(default=None, max_length=50)
    labels: dict[str, str] = Field(default_factory=dict, max_length=MAX_LABELS)
    starts_at: datetime | float | None = None
    ends_at: datetime | float | None = None
