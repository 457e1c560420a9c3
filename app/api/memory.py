"""``/api/incidents/{id}/postmortem`` and ``/similar``: an incident's postmortem (read, export, save a new version)
and the earlier incidents similar to it."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from app.api.deps import Deps
from app.api.schemas import PostmortemBody, PostmortemOut, SimilarOut
from core.memory import recall
from core.memory.postmortem import ActionItem, Postmortem
from core.memory.postmortem_export import postmortem_html, postmortem_markdown
from core.runtime import Runtime

#: The export formats: extension -> (media type, renderer).
FORMATS = {"md": ("text/markdown", postmortem_markdown), "html": ("text/html", postmortem_html)}


def _exported(pm: Postmortem, fmt: Literal["md", "html"]) -> Response:
    """The postmortem as a Markdown or HTML file (URLs redacted), shown inline by a browser."""
    mime, render = FORMATS[fmt]
    name = f"postmortem-{pm.incident_id[:8]}-v{pm.version}.{fmt}"
    return Response(
        render(recall.redacted(pm)),
        media_type=f"{mime}; charset=utf-8",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


def router(deps: Deps) -> APIRouter:
    """The postmortem and similar-incident routes, bound to ``deps``."""
    api = APIRouter(prefix="/incidents", tags=["postmortems and similar incidents"])
    reader = Annotated[Runtime, Depends(deps.runtime)]
    writer = Annotated[Runtime, Depends(deps.writer)]

    def incident_id_of(runtime: Runtime, given: str) -> str:
        return runtime.store.resolve_incident_id(given)  # 404 for an unknown id (a unique prefix is enough)

    def current(runtime: Runtime, incident_id: str) -> PostmortemOut:
        versions = runtime.store.postmortem_versions(incident_id)
        return PostmortemOut.of(versions[0] if versions else recall.postmortem(runtime.store, incident_id), versions)

    @api.get(
        "/{incident_id}/postmortem",
        response_model=PostmortemOut,
        summary="The postmortem: the newest saved version, or the tool's draft (version 0)",
        responses={200: {"content": {"text/markdown": {}, "text/html": {}}}},
    )
    def get_postmortem(
        incident_id: str,
        runtime: reader,
        format: Annotated[Literal["json", "md", "html"], Query(description="json (default), md or html")] = "json",
    ) -> PostmortemOut | Response:
        found = incident_id_of(runtime, incident_id)
        if format == "json":
            return current(runtime, found)
        return _exported(recall.postmortem(runtime.store, found), format)

    def export(fmt: Literal["md", "html"], what: str) -> None:
        @api.get(f"/{{incident_id}}/postmortem.{fmt}", response_class=Response, summary=f"The postmortem as {what}")
        def get_export(incident_id: str, runtime: reader) -> Response:
            return _exported(recall.postmortem(runtime.store, incident_id_of(runtime, incident_id)), fmt)

        get_export.__name__ = f"postmortem_{fmt}"

    export("md", "Markdown")
    export("html", "one HTML page (every text escaped)")

    @api.put(
        "/{incident_id}/postmortem",
        response_model=PostmortemOut,
        summary="Save a new version of the postmortem (earlier versions are kept)",
    )
    def put_postmortem(incident_id: str, body: PostmortemBody, runtime: writer) -> PostmortemOut:
        found = incident_id_of(runtime, incident_id)
        texts = body.model_dump(exclude={"action_items", "by"})
        items = [ActionItem(title=a.title, owner=a.owner) for a in body.action_items]
        pm = Postmortem(incident_id=found, **texts, action_items=items)
        recall.save_postmortem(runtime.store, pm, by=body.by, at=runtime.clock.now())  # 422 naming each problem
        return current(runtime, found)

    @api.get(
        "/{incident_id}/similar",
        response_model=list[SimilarOut],
        summary="Earlier incidents at least SIMILARITY_THRESHOLD similar, most similar first",
    )
    def similar(incident_id: str, runtime: reader, limit: Annotated[int, Query(ge=1, le=100)] = 10) -> list[SimilarOut]:
        incident = runtime.store.get_incident(incident_id_of(runtime, incident_id))
        found = recall.similar_to(runtime.store, incident, runtime.settings.similarity_threshold, limit=limit)
        return [SimilarOut.of(s) for s in found]

    return api
