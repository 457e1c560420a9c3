"""``/api/health`` and ``/api/status``: is the tool running, and how (scheduler, sources, thresholds; no secret)."""

from typing import Annotated

from fastapi import APIRouter, Depends

from app.api.deps import Deps
from app.api.schemas import ApiAccess, Health, SchedulerOut, SourceOut, StatusOut, when
from core.config import Settings
from core.runtime import Runtime

OPEN_LOCALLY = (
    "API_TOKEN is not set: the API, write endpoints included, is open to every local client, and the server "
    "binds only to a loopback address."
)
TOKEN_REQUIRED = "API_TOKEN is set: write endpoints need Authorization: Bearer <API_TOKEN>; reads are open."


def api_access(settings: Settings) -> ApiAccess:
    """Whether write endpoints need the bearer token, in one sentence for people."""
    token = settings.api_token_set
    return ApiAccess(token_required=token, note=TOKEN_REQUIRED if token else OPEN_LOCALLY)


def thresholds(settings: Settings) -> dict[str, float | str]:
    """The detection settings a reader of the status needs (no URL, no secret)."""
    names = (
        "detection_interval_seconds",
        "confirmation_seconds",
        "resolve_after_seconds",
        "error_rate_threshold",
        "latency_p95_threshold_ms",
        "memory_threshold_mb",
        "cpu_threshold_percent",
        "disk_threshold_percent",
        "db_pool_threshold",
        "anomaly_alert_threshold",
        "target_down_severity",
    )
    return {name: getattr(settings, name) for name in names}


def router(deps: Deps) -> APIRouter:
    """The health and status routes, bound to ``deps``."""
    api = APIRouter(tags=["status"])
    reader = Annotated[Runtime, Depends(deps.runtime)]

    @api.get("/health", response_model=Health, summary="Liveness: 200 once the runtime runs, 503 with why not")
    def health(runtime: reader) -> Health:
        loop = runtime.scheduler_status()
        return Health(scheduler_running=loop.running, polls=loop.ticks, data_mode=runtime.settings.data_mode)

    @api.get("/status", response_model=StatusOut, summary="Detection loop, sources, thresholds, API access")
    def status(runtime: reader) -> StatusOut:
        s, loop = runtime.settings, runtime.scheduler_status()
        return StatusOut(
            data_mode=s.data_mode,
            demo_service=runtime.demo_service_url(),
            analysis=f"LLM refinement ({s.openai_model})" if s.llm_enabled else "deterministic",
            scheduler=SchedulerOut(
                running=loop.running,
                interval_seconds=loop.interval_seconds,
                polls=loop.ticks,
                last_poll=when(loop.last_tick),
                last_poll_duration_ms=loop.last_tick_duration_ms,
                next_poll=when(loop.next_run),
                last_error=loop.last_error,
                last_error_at=when(loop.last_error_at),
            ),
            sources=[
                SourceOut(
                    name=src.name,
                    target=src.target,
                    ok=src.ok,
                    last_success=when(src.last_success),
                    last_error=src.last_error,
                    last_error_at=when(src.last_error_at),
                )
                for src in runtime.source_statuses()
            ],
            thresholds=thresholds(s),
            api=api_access(s),
            schema_version=runtime.store.schema_version(),
        )

    return api
