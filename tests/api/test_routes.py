"""Every route of the API, without API_TOKEN, against a real runtime with an analysed incident."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from core.models import Incident
from core.runtime import Runtime
from core.store.migrations import MIGRATIONS
from tests.api.conftest import tick


def test_health_and_status(client: TestClient, runtime: Runtime) -> None:
    health = client.get("/api/health").json()
    assert health == {"status": "ok", "scheduler_running": False, "polls": 0, "data_mode": "simulated"}
    status = client.get("/api/status").json()
    assert status["data_mode"] == "simulated" and status["schema_version"] == MIGRATIONS[-1][0]
    assert {s["name"] for s in status["sources"]} == {"demo metrics", "demo logs"}
    assert status["thresholds"]["error_rate_threshold"] == 0.05
    assert status["api"]["token_required"] is False and "open to every local client" in status["api"]["note"]


def test_demo_status(client: TestClient, runtime: Runtime) -> None:
    demo = client.get("/api/demo/status").json()
    assert demo["reachable"] is True and demo["url"] == runtime.demo_service_url()
    assert demo["health"]["status"] == "ok"


def test_incident_list_shows_the_first_root_cause(client: TestClient, incident: Incident) -> None:
    (listed,) = [i for i in client.get("/api/incidents").json() if i["id"] == incident.id]
    assert listed["root_causes"][0] == {
        "service": "checkout",
        "kind": "error_rate",
        "confidence": listed["root_causes"][0]["confidence"],
    }
    assert 0 < listed["root_causes"][0]["confidence"] <= 0.95
    assert listed["start_time"].endswith("Z") and listed["severity"] in ("SEV1", "SEV2")


def test_incident_list_filters(client: TestClient, incident: Incident) -> None:
    def ids(query: str) -> set[str]:
        response = client.get(f"/api/incidents?{query}")
        assert response.status_code == 200, response.text
        return {i["id"] for i in response.json()}

    assert incident.id in ids(f"status={incident.status}&severity={incident.severity}&service=checkout&limit=5")
    assert incident.id in ids(f"status=OPEN,INVESTIGATING,RESOLVED&since={incident.start_time - 1}")
    assert incident.id not in ids(f"since={incident.start_time + 3600}")
    assert incident.id not in ids("service=no-such-service")
    other = "SEV4" if incident.severity != "SEV4" else "SEV1"
    assert incident.id not in ids(f"severity={other}")


def test_incident_detail_has_causes_with_evidence_report_and_runs(client: TestClient, incident: Incident) -> None:
    detail = client.get(f"/api/incidents/{incident.id}").json()
    top = detail["root_causes"][0]
    assert (top["service"], top["kind"]) == ("checkout", "error_rate") and top["evidence"]
    assert detail["report_markdown"].startswith("# ") and "## Root Cause" in detail["report_markdown"]
    assert {run["agent_name"] for run in detail["agent_runs"]} >= {"monitoring", "root_cause", "reporter"}
    assert detail["signals"] and detail["alerts"] == [] and detail["feedback"] == []
    assert detail["reports"]["markdown"] == f"/api/incidents/{incident.id}/report.md"
    assert client.get(f"/api/incidents/{incident.id[:8]}").json()["id"] == incident.id  # a unique prefix will do


def test_reports_in_three_formats(client: TestClient, incident: Incident) -> None:
    markdown = client.get(f"/api/incidents/{incident.id}/report.md")
    assert markdown.headers["content-type"].startswith("text/markdown") and "## Root Cause" in markdown.text
    page = client.get(f"/api/incidents/{incident.id}/report.html")
    assert page.headers["content-type"].startswith("text/html") and "<html" in page.text.lower()
    document = client.get(f"/api/incidents/{incident.id}/report.json")
    assert json.loads(document.content)["incident"]["id"] == incident.id
    assert "attachment" not in markdown.headers["content-disposition"]


def test_rerun_queues_an_analysis(client: TestClient, runtime: Runtime, incident: Incident) -> None:
    before = len(runtime.store.agent_runs(incident.id))
    response = client.post(f"/api/incidents/{incident.id}/rerun")
    assert response.status_code == 202 and response.json() == {"incident_id": incident.id, "analysis": "queued"}
    runtime.queue.submit(incident.id).result(timeout=60)  # the queued one (or one after it) has finished
    assert len(runtime.store.agent_runs(incident.id)) > before


def test_acknowledge_resolve_and_feedback(client: TestClient, runtime: Runtime, incident: Incident) -> None:
    acked = client.post(f"/api/incidents/{incident.id}/acknowledge", json={"by": "ana", "note": "looking"})
    assert acked.status_code == 200 and acked.json()["acknowledged_by"] == "ana"
    verdict = client.post(f"/api/incidents/{incident.id}/feedback", json={"verdict": "right", "by": "ana"})
    assert verdict.status_code == 201 and verdict.json()["verdict"] == "right"
    resolved = client.post(f"/api/incidents/{incident.id}/resolve")  # no body: by "anonymous"
    assert resolved.status_code == 200 and resolved.json()["status"] == "RESOLVED"
    stored = runtime.store.get_incident(incident.id)
    assert (stored.status, stored.resolved_by, stored.acknowledged_by) == ("RESOLVED", "anonymous", "ana")
    assert runtime.store.feedback(incident.id)[0].by == "ana"


def test_faults_list_inject_and_stop(client: TestClient) -> None:
    listing = client.get("/api/faults").json()
    assert "latency_spike" in {kind["type"] for kind in listing["catalogue"]}
    seed = client.post("/api/admin/fault", json={"type": "latency_spike", "duration_seconds": 120})
    assert seed.status_code == 201 and seed.json()["type"] == "latency_spike"
    injected = client.post("/api/faults", json={"type": "db_slow", "target": "postgres", "intensity": 0.5})
    assert injected.status_code == 201
    assert {f["id"] for f in client.get("/api/faults").json()["active"]} >= {seed.json()["id"], injected.json()["id"]}
    assert client.delete(f"/api/faults/{injected.json()['id']}").json() == {"stopped": 1}
    assert client.delete("/api/faults").json()["stopped"] >= 1
    assert client.get("/api/faults").json()["active"] == []


def test_alert_routes_store_and_the_next_poll_opens_an_incident(client: TestClient, runtime: Runtime) -> None:
    body = {"title": "Disk almost full", "service": "postgres", "severity": "warning", "labels": {"team": "db"}}
    first = client.post("/api/alerts", json=body).json()
    assert (first["received"], first["new"]) == (1, 1) and first["alerts"][0]["severity"] == "SEV3"
    payload = {
        "version": "4",
        "status": "firing",
        "groupKey": '{}:{alertname="Down"}',
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "CatalogSlow", "job": "catalog", "severity": "critical"},
                "annotations": {"summary": "catalog p95 over 2 s"},
                "startsAt": "2026-01-01T00:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "fingerprint": "aa11",
            }
        ],
    }
    delivered = client.post("/api/alerts/alertmanager", json=payload).json()
    assert delivered["alerts"][0]["service"] == "catalog" and delivered["alerts"][0]["severity"] == "SEV1"
    tick(runtime)
    alerts = [i for i in runtime.store.open_incidents() if any(s.rule == "alert" for s in i.signals)]
    assert alerts and alerts[0].severity == "SEV1"
