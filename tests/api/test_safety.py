"""API safety: the bearer token on write endpoints, the 1 MB limit, errors that name the field or the id, and a
token that never shows in logs, answers, pages, exports or the database."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from core.runtime import Runtime
from tests.api.conftest import TOKEN, tick

#: (method, path, JSON body) of every write endpoint, with a body that passes validation.
WRITES = [
    ("POST", "/api/incidents/{id}/rerun", None),
    ("POST", "/api/incidents/{id}/acknowledge", {"by": "ana"}),
    ("POST", "/api/incidents/{id}/resolve", {"by": "ana"}),
    ("POST", "/api/incidents/{id}/feedback", {"verdict": "wrong", "actual_cause": "db_slow on postgres"}),
    (
        "PUT",
        "/api/incidents/{id}/postmortem",
        {
            **{s: "written" for s in ("title", "summary", "impact", "detection", "root_cause", "resolution")},
            **{"timeline": "written", "lessons": "written", "by": "ana"},
        },
    ),
    ("POST", "/api/faults", {"type": "latency_spike", "duration_seconds": 30}),
    ("POST", "/api/admin/fault", {"type": "latency_spike", "duration_seconds": 30}),
    ("DELETE", "/api/faults/{fault}", None),
    ("DELETE", "/api/faults", None),
    ("POST", "/api/alerts", {"title": "Queue backlog", "service": "checkout"}),
    ("POST", "/api/alerts/alertmanager", {"version": "4", "status": "firing", "alerts": []}),
]
READS = ["/api/health", "/api/status", "/api/demo/status", "/api/incidents", "/api/faults"]


@pytest.fixture(scope="module")
def seeded(token_runtime: Runtime, token_client: TestClient) -> dict[str, str]:
    """An incident (from a generic alert) and an active fault in the token runtime, for the write endpoints."""
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    token_client.post("/api/alerts", json={"title": "Errors", "service": "payments"}, headers=bearer)
    tick(token_runtime)
    fault = token_client.post("/api/faults", json={"type": "error_rate"}, headers=bearer).json()
    return {"id": token_runtime.store.list_incidents()[0].id, "fault": fault["id"]}


def _call(client: TestClient, method: str, path: str, body: dict | None, headers: dict[str, str]):
    return client.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize(("method", "path", "body"), WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
def test_writes_need_the_token_when_it_is_set(
    token_client: TestClient, seeded: dict[str, str], method: str, path: str, body: dict | None
) -> None:
    path = path.format(**seeded)
    missing = _call(token_client, method, path, body, {})
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    assert missing.json() == {
        "error": "Missing bearer token: write endpoints need the header Authorization: Bearer <API_TOKEN>."
    }
    wrong = _call(token_client, method, path, body, {"Authorization": "Bearer not-the-token"})
    assert wrong.status_code == 401 and wrong.json() == {"error": "Wrong bearer token: it does not match API_TOKEN."}
    right = _call(token_client, method, path, body, {"Authorization": f"Bearer {TOKEN}"})
    assert right.status_code in (200, 201, 202), right.text


@pytest.mark.parametrize("path", READS)
def test_reads_need_no_token(token_client: TestClient, path: str) -> None:
    assert token_client.get(path).status_code == 200


def test_without_a_token_writes_are_open(client: TestClient) -> None:
    response = client.post("/api/alerts", json={"title": "Cache misses", "service": "cache"})
    assert response.status_code == 200
    assert client.get("/api/status").json()["api"]["token_required"] is False


def test_status_says_whether_the_token_is_required(token_client: TestClient) -> None:
    access = token_client.get("/api/status").json()["api"]
    assert access["token_required"] is True and "Authorization: Bearer <API_TOKEN>" in access["note"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "The body is not valid JSON: "),
        (b"[1, 2]", "The body must be a JSON object sent as application/json: "),
        (b'"text"', "The body must be a JSON object sent as application/json: "),
    ],
    ids=["broken", "array", "string"],
)
def test_malformed_body_is_400(client: TestClient, body: bytes, message: str) -> None:
    response = client.post("/api/admin/fault", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["error"].startswith(message)


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/api/admin/fault", {"duration_seconds": 120}, "type: Field required"),
        (
            "/api/admin/fault",
            {"type": "latency_spike", "duration_seconds": "two"},
            "duration_seconds: Input should be a valid number",
        ),
        (
            "/api/faults",
            {"type": "latency_spike", "intensity": 3},
            "intensity: Input should be less than or equal to 1",
        ),
        ("/api/faults", {"type": "latency_spike", "colour": "red"}, "colour: Extra inputs are not permitted"),
        ("/api/alerts", {"service": "checkout"}, "title: Field required"),
        (
            "/api/alerts/alertmanager",
            {"version": "3", "status": "firing", "alerts": []},
            "version: Input should be '4'",
        ),
        (
            "/api/alerts/alertmanager",
            {"version": "4", "status": "firing", "alerts": [{"status": "on"}]},
            "alerts.0.status: Input should be 'firing' or 'resolved'",
        ),
        ("/api/incidents/x/feedback", {"verdict": "maybe"}, "verdict: Input should be 'right' or 'wrong'"),
    ],
    ids=[
        "missing",
        "wrong-type",
        "out-of-range",
        "unknown-field",
        "generic-title",
        "am-version",
        "am-status",
        "verdict",
    ],
)
def test_invalid_fields_are_422_naming_the_field(client: TestClient, path: str, body: dict, message: str) -> None:
    response = client.post(path, json=body)
    assert response.status_code == 422 and message in response.json()["error"], response.text


def test_invalid_query_is_422_naming_the_parameter(client: TestClient) -> None:
    assert client.get("/api/incidents?limit=0").json() == {
        "error": "query.limit: Input should be greater than or equal to 1"
    }
    bad = client.get("/api/incidents?status=OPEN,CLOSED")
    assert (
        bad.status_code == 422
        and bad.json()["error"] == "query.status: 'CLOSED' is not one of OPEN, INVESTIGATING, RESOLVED"
    )
    assert client.get("/api/incidents?since=yesterday").status_code == 422


def test_a_refused_fault_is_422_with_the_demo_services_reason(client: TestClient) -> None:
    response = client.post("/api/admin/fault", json={"type": "meteor_strike"})
    assert response.status_code == 422 and "unknown fault type 'meteor_strike'" in response.json()["error"]


@pytest.mark.parametrize(
    "request_",
    [
        ("GET", "/api/incidents/no-such-id"),
        ("GET", "/api/incidents/no-such-id/report.md"),
        ("GET", "/api/incidents/no-such-id/report.html"),
        ("GET", "/api/incidents/no-such-id/report.json"),
        ("POST", "/api/incidents/no-such-id/rerun"),
        ("POST", "/api/incidents/no-such-id/acknowledge"),
        ("POST", "/api/incidents/no-such-id/resolve"),
    ],
    ids=lambda r: f"{r[0]} {r[1].rsplit('/', 1)[-1]}",
)
def test_unknown_incident_is_404(client: TestClient, request_: tuple[str, str]) -> None:
    response = client.request(*request_)
    assert response.status_code == 404 and response.json() == {"error": "No incident id starts with 'no-such-id'"}


def test_unknown_fault_and_route_are_404(client: TestClient) -> None:
    fault = client.delete("/api/faults/fault-999")
    assert fault.status_code == 404 and "No active fault with id 'fault-999'" in fault.json()["error"]
    assert client.get("/api/nothing-here").json() == {"error": "Not Found"}


def test_bodies_over_1_mb_are_413(client: TestClient) -> None:
    big = b'{"title": "' + b"x" * 1_000_000 + b'", "service": "a"}'
    declared = client.post("/api/alerts", content=big, headers={"Content-Type": "application/json"})
    assert declared.status_code == 413
    assert declared.json() == {"error": "Request body too large: the limit is 1,000,000 bytes (1 MB)."}

    def chunks():  # no Content-Length: counted while it streams in
        for _ in range(11):
            yield b"x" * 100_000

    streamed = client.post("/api/alerts", content=chunks(), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413
    exactly = client.post("/api/alerts", json={"title": "y" * 400, "service": "a"})
    assert exactly.status_code == 200


def test_the_token_never_shows_in_answers_logs_exports_or_the_database(
    token_runtime: Runtime, token_client: TestClient, seeded: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    answers = [
        token_client.post("/api/alerts", json={"title": "T", "service": "s"}, headers=bearer).text,
        token_client.post(
            "/api/alerts", json={"title": "T", "service": "s"}, headers={"Authorization": f"Bearer {TOKEN}x"}
        ).text,
        token_client.post(f"/api/incidents/{seeded['id']}/rerun", headers=bearer).text,
    ]
    tick(token_runtime)
    token_runtime.queue.submit(seeded["id"]).result(timeout=60)
    for path in ("/api/status", "/api/health", "/api/incidents", f"/api/incidents/{seeded['id']}"):
        answers.append(token_client.get(path).text)
    for fmt in ("md", "json", "html"):
        answers.append(token_client.get(f"/api/incidents/{seeded['id']}/report.{fmt}").text)
    from prometheus_client import generate_latest

    answers.append(generate_latest(token_runtime.self_metrics.registry).decode())
    assert all(TOKEN not in answer for answer in answers)
    assert TOKEN not in caplog.text
    assert TOKEN.encode() not in token_runtime.store.path.read_bytes()
    wal = token_runtime.store.path.with_suffix(".duckdb.wal")
    assert not wal.exists() or TOKEN.encode() not in wal.read_bytes()
