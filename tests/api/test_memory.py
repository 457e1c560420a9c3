"""``/api/incidents/{id}/postmortem`` (read, export, save a version) and ``/similar`` against a real runtime."""

from __future__ import annotations

from fastapi.testclient import TestClient

from benchmarks.ui_seed import analysed_incident
from core.memory import recall
from core.memory.postmortem import FOR_THE_TEAM
from core.models import Incident
from core.runtime import Runtime

SECRET_URL = "https://ana:hunter2@grafana.example/d/abc?api_key=s3cr3t"


def _body(client: TestClient, incident_id: str, **changes: object) -> dict:
    """The current postmortem as a PUT body, with ``changes``."""
    current = client.get(f"/api/incidents/{incident_id}/postmortem").json()
    names = ("title", "summary", "impact", "detection", "root_cause", "resolution", "timeline", "lessons")
    body = {name: current[name] for name in names}
    body["action_items"] = current["action_items"]
    return {**body, **changes}


def test_the_draft_then_a_saved_version_and_its_exports(
    client: TestClient, runtime: Runtime, incident: Incident
) -> None:
    drafted = client.get(f"/api/incidents/{incident.id}/postmortem")
    assert drafted.status_code == 200
    pm = drafted.json()
    assert (pm["version"], pm["history"], pm["missing"]) == (0, [], [])
    assert pm["lessons"] == FOR_THE_TEAM and "error_rate" in pm["root_cause"]
    assert pm["links"]["markdown"] == f"/api/incidents/{incident.id}/postmortem.md"

    body = _body(client, incident.id, lessons=f"Watch {SECRET_URL} <b>early</b>.", by="ana")
    body["action_items"] = [{"title": "Add a retry budget", "owner": "payments team"}, {"title": "Page earlier"}]
    saved = client.put(f"/api/incidents/{incident.id[:8]}/postmortem", json=body)
    assert saved.status_code == 200, saved.text
    out = saved.json()
    assert (out["version"], out["edited_by"]) == (1, "ana")
    assert out["lessons"] == "Watch https://grafana.example/d/abc <b>early</b>."  # credentials never stored
    assert [a["owner"] for a in out["action_items"]] == ["payments team", "unassigned"]
    again = client.put(f"/api/incidents/{incident.id}/postmortem", json={**body, "summary": "Second edit."})
    assert [h["version"] for h in again.json()["history"]] == [2, 1]
    assert [v.version for v in runtime.store.postmortem_versions(incident.id)] == [2, 1]

    markdown = client.get(f"/api/incidents/{incident.id}/postmortem.md")
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert "Second edit." in markdown.text and "Version 2, edited by ana" in markdown.text
    assert "| Add a retry budget | payments team |" in markdown.text
    page = client.get(f"/api/incidents/{incident.id}/postmortem.html")
    assert page.headers["content-type"].startswith("text/html")
    assert "&lt;b&gt;early&lt;/b&gt;" in page.text and "<b>early</b>" not in page.text
    assert client.get(f"/api/incidents/{incident.id}/postmortem?format=md").text == markdown.text
    assert client.get(f"/api/incidents/{incident.id}/postmortem", params={"format": "html"}).text == page.text
    for answer in (markdown.text, page.text, again.text):
        assert "hunter2" not in answer and "s3cr3t" not in answer


def test_a_bad_postmortem_body_is_422_naming_the_field(client: TestClient, incident: Incident) -> None:
    before = client.get(f"/api/incidents/{incident.id}/postmortem").json()["version"]
    cases = [
        ({"summary": ""}, "summary: String should have at least 1 character"),
        ({"summary": "   "}, 'The section "Summary" is empty'),
        ({"action_items": [{"title": "x", "due": "friday"}]}, "action_items.0.due: Extra inputs are not permitted"),
        ({"impact": "x" * 20_001}, "impact: String should have at most 20000 characters"),
        ({"colour": "red"}, "colour: Extra inputs are not permitted"),
    ]
    for change, message in cases:
        answer = client.put(f"/api/incidents/{incident.id}/postmortem", json=_body(client, incident.id, **change))
        assert answer.status_code == 422 and message in answer.json()["error"], (change, answer.text)
    missing = _body(client, incident.id)
    del missing["lessons"]
    answer = client.put(f"/api/incidents/{incident.id}/postmortem", json=missing)
    assert answer.status_code == 422 and "lessons: Field required" in answer.json()["error"]
    assert client.get(f"/api/incidents/{incident.id}/postmortem?format=pdf").status_code == 422
    assert client.get(f"/api/incidents/{incident.id}/postmortem").json()["version"] == before  # nothing stored


def test_unknown_incident_is_404(client: TestClient) -> None:
    for path in ("postmortem", "postmortem.md", "postmortem.html", "similar"):
        assert client.get(f"/api/incidents/no-such-id/{path}").status_code == 404
    body = {name: "x" for name in ("title", "summary", "impact", "detection", "root_cause", "resolution")}
    answer = client.put("/api/incidents/no-such-id/postmortem", json={**body, "timeline": "x", "lessons": "x"})
    assert answer.status_code == 404 and "no-such-id" in answer.json()["error"]


def test_similar_incidents_most_similar_first_with_their_outcome(client: TestClient, runtime: Runtime) -> None:
    now = runtime.clock.now()
    seeded = []
    for ago, note in ((7200, "rolled back"), (3600, None)):
        incident, runs = analysed_incident(now, start=now - ago, service="catalog")
        incident = incident.model_copy(update={"resolution_note": note})
        runtime.store.save_incident(incident)
        runtime.store.save_agent_runs(runs)
        recall.record(runtime.store, incident, now)
        seeded.append(incident)
    first, second = seeded
    runtime.give_feedback(first.id, "right", by="ana")
    assert client.get(f"/api/incidents/{first.id}/similar").json() == []
    [found] = client.get(f"/api/incidents/{second.id}/similar").json()
    assert (found["id"], found["similarity"], found["verdict"]) == (first.id, 1.0, "right")
    assert found["root_cause"] == {"service": "catalog", "kind": "error_rate"}
    assert (found["resolution_note"], found["actions"]) == ("rolled back", ["Roll back catalog"])
    assert found["link"] == f"/api/incidents/{first.id}" and found["detected_at"].endswith("Z")
