"""Alert intake: ``POST /api/alerts/alertmanager`` (Alertmanager's webhook, version 4) and ``POST /api/alerts``
(a small generic shape). Alerts are stored at once (idempotent); the next detection poll opens or joins the
incident of their service's part of the dependency graph."""

from collections import Counter
from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends

from app.api.deps import Deps
from app.api.schemas import AlertAccepted, AlertOut
from core.alerts.models import Alert, AlertmanagerPayload, GenericAlert
from core.runtime import Runtime


def _accepted(alerts: Sequence[Alert], outcomes: Sequence[str]) -> AlertAccepted:
    counts = Counter(outcomes)
    return AlertAccepted(
        received=len(alerts),
        new=counts["new"],
        changed=counts["changed"],
        duplicate=counts["duplicate"],
        alerts=[AlertOut.of(alert) for alert in alerts],
    )


def router(deps: Deps) -> APIRouter:
    """The alert intake routes, bound to ``deps``."""
    api = APIRouter(prefix="/alerts", tags=["alerts"])
    writer = Annotated[Runtime, Depends(deps.writer)]

    @api.post("/alertmanager", response_model=AlertAccepted, summary="Alertmanager webhook receiver (version 4)")
    def alertmanager(payload: AlertmanagerPayload, runtime: writer) -> AlertAccepted:
        alerts, outcomes = runtime.receive_alertmanager(payload)
        return _accepted(alerts, outcomes)

    @api.post("", response_model=AlertAccepted, summary="An alert from any other system")
    def generic(body: GenericAlert, runtime: writer) -> AlertAccepted:
        alert, outcome = runtime.receive_alert(body)
        return _accepted([alert], [outcome])

    return api
