"""``/api/faults`` and the seed's ``/api/admin/fault``: the demo service's fault catalogue, injection and stops."""

from typing import Annotated

from fastapi import APIRouter, Depends

from app.api.deps import Deps
from app.api.schemas import DemoStatus, FaultRequest, FaultsOut, Stopped
from core.errors import FaultRequestError, NotFoundError, SourceError
from core.models import InjectedFault
from core.runtime import Runtime


def router(deps: Deps) -> APIRouter:
    """The fault routes, bound to ``deps``."""
    api = APIRouter(tags=["faults"])
    reader = Annotated[Runtime, Depends(deps.runtime)]
    writer = Annotated[Runtime, Depends(deps.writer)]

    @api.get("/faults", response_model=FaultsOut, summary="The fault catalogue and the active faults")
    def list_faults(runtime: reader) -> FaultsOut:
        return FaultsOut(
            catalogue=[kind.model_dump() for kind in runtime.fault_catalogue()],
            active=[fault.model_dump() for fault in runtime.active_faults()],
        )

    def inject(runtime: Runtime, body: FaultRequest) -> InjectedFault:
        return runtime.inject_fault(body.type, body.target, body.intensity, body.duration_seconds)

    @api.post("/faults", status_code=201, response_model=InjectedFault, summary="Inject a fault into the demo service")
    def post_fault(body: FaultRequest, runtime: writer) -> InjectedFault:
        return inject(runtime, body)

    @api.post(
        "/admin/fault",
        status_code=201,
        response_model=InjectedFault,
        summary="Inject a fault (the seed's path and body)",
    )
    def admin_fault(body: FaultRequest, runtime: writer) -> InjectedFault:
        return inject(runtime, body)

    @api.delete("/faults", response_model=Stopped, summary="Stop every active fault")
    def stop_all(runtime: writer) -> Stopped:
        return Stopped(stopped=runtime.stop_all_faults())

    @api.delete("/faults/{fault_id}", response_model=Stopped, summary="Stop one fault early")
    def stop_one(fault_id: str, runtime: writer) -> Stopped:
        try:
            runtime.stop_fault(fault_id)
        except FaultRequestError as exc:  # the demo service knows no such fault
            raise NotFoundError(str(exc)) from exc
        return Stopped(stopped=1)

    @api.get("/demo/status", response_model=DemoStatus, summary="The demo service's health and active faults")
    def demo_status(runtime: reader) -> DemoStatus:
        health = runtime.demo_health()
        active: list[dict] = []
        if health is not None:
            try:
                active = [fault.model_dump() for fault in runtime.active_faults()]
            except SourceError:
                active = []
        return DemoStatus(
            url=runtime.demo_service_url(), reachable=health is not None, health=health, active_faults=active
        )

    return api
