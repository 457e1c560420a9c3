"""The OpenAPI document lists every route the API serves, with the issue's paths, and the docs page is served."""

from __future__ import annotations

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from app.api import ROUTERS
from app.api.deps import Deps

#: The routes the issue asks for (the seed's and the new ones), as served under /api.
EXPECTED = {
    ("GET", "/health"),
    ("GET", "/status"),
    ("GET", "/demo/status"),
    ("GET", "/incidents"),
    ("GET", "/incidents/{incident_id}"),
    ("GET", "/incidents/{incident_id}/report.md"),
    ("GET", "/incidents/{incident_id}/report.html"),
    ("GET", "/incidents/{incident_id}/report.json"),
    ("POST", "/incidents/{incident_id}/rerun"),
    ("POST", "/incidents/{incident_id}/acknowledge"),
    ("POST", "/incidents/{incident_id}/resolve"),
    ("POST", "/incidents/{incident_id}/feedback"),
    ("GET", "/incidents/{incident_id}/postmortem"),
    ("PUT", "/incidents/{incident_id}/postmortem"),
    ("GET", "/incidents/{incident_id}/postmortem.md"),
    ("GET", "/incidents/{incident_id}/postmortem.html"),
    ("GET", "/incidents/{incident_id}/similar"),
    ("GET", "/faults"),
    ("POST", "/faults"),
    ("DELETE", "/faults"),
    ("DELETE", "/faults/{fault_id}"),
    ("POST", "/admin/fault"),
    ("POST", "/alerts/alertmanager"),
    ("POST", "/alerts"),
    ("GET", "/notifications"),
    ("POST", "/notifications/{channel}/test"),
}


def _documented(document: dict) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in document["paths"].items() for method in item}


def test_openapi_lists_every_served_route_and_the_issues_routes(client: TestClient) -> None:
    document = client.get("/api/openapi.json").json()
    served = {
        (method, route.path)
        for module in ROUTERS
        for route in module.router(Deps(lambda: None)).routes
        if isinstance(route, APIRoute)
        for method in route.methods
    }
    assert _documented(document) == served == EXPECTED
    assert document["servers"] == [{"url": "/api"}]


def test_every_operation_documents_its_bodies_and_errors(client: TestClient) -> None:
    document = client.get("/api/openapi.json").json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation.get("summary"), (method, path)
            assert {"401", "404", "413", "422"} <= set(operation["responses"]), (method, path)
    fault = document["components"]["schemas"]["FaultRequest"]
    assert {"type", "duration_seconds", "target", "intensity"} <= set(fault["properties"])


def test_docs_page_is_served(client: TestClient) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200 and "/api/openapi.json" in page.text
