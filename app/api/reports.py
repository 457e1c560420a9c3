"""The incident report in the three formats the API serves, rendered by the same code as the page's downloads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from app.exports import html_report

if TYPE_CHECKING:
    from core.runtime import Runtime


def render_report(runtime: Runtime, incident_id: str, fmt: Literal["md", "html", "json"]) -> tuple[str, str, bytes]:
    """(file name, MIME type, content) of the incident's report in ``fmt``."""
    if fmt == "html":
        return html_report(runtime, incident_id)
    name, mime, content = runtime.export(incident_id, fmt)
    return name, f"{mime}; charset=utf-8", content
