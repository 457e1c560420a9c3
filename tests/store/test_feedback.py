"""RCA feedback in the store: appended as history, newest first, latest per incident, unknown incident refused."""

from pathlib import Path

import pytest

from core.errors import NotFoundError
from core.models import Feedback, Incident
from core.store import Store


def incident(id_: str) -> Incident:
    return Incident(id=id_, title="Error rate on checkout", start_time=1000.0, detected_at=1010.0, fingerprint="f")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "incidents.duckdb")
    yield s
    s.close()


def verdict(incident_id: str, at: float, verdict: str = "right", cause: str = "") -> Feedback:
    return Feedback(incident_id=incident_id, verdict=verdict, actual_cause=cause, by="ana", created_at=at)


def test_feedback_is_kept_as_history_newest_first(store: Store) -> None:
    store.save_incident(incident("a"))
    store.save_feedback(verdict("a", 2000.0))
    store.save_feedback(verdict("a", 3000.0, "wrong", "db_slow on postgres"))
    history = store.feedback("a")
    assert [(f.verdict, f.actual_cause) for f in history] == [("wrong", "db_slow on postgres"), ("right", "")]


def test_latest_feedback_per_incident(store: Store) -> None:
    for id_ in ("a", "b", "c"):
        store.save_incident(incident(id_))
    store.save_feedback(verdict("a", 2000.0, "wrong", "x"))
    store.save_feedback(verdict("a", 2500.0))
    store.save_feedback(verdict("b", 2000.0, "wrong", "cache_miss"))
    latest = store.latest_feedback(["a", "b", "c"])
    assert {k: (v.verdict, v.actual_cause) for k, v in latest.items()} == {
        "a": ("right", ""),
        "b": ("wrong", "cache_miss"),
    }
    assert store.latest_feedback([]) == {}


def test_feedback_on_unknown_incident_is_refused(store: Store) -> None:
    with pytest.raises(NotFoundError):
        store.save_feedback(verdict("nope", 1.0))
    assert store.feedback("nope") == []


def test_feedback_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "db.duckdb"
    first = Store(path)
    first.save_incident(incident("a"))
    first.save_feedback(verdict("a", 2000.0))
    first.close()
    again = Store(path)
    try:
        assert again.feedback("a")[0].by == "ana"
    finally:
        again.close()


def test_json_export_carries_the_feedback(store: Store) -> None:
    import json

    from core.config import Settings
    from core.report.exports import export_incident

    store.save_incident(incident("a"))
    store.save_feedback(verdict("a", 2000.0, "wrong", "db_slow on postgres"))
    name, mime, content = export_incident(store, "a", "json", settings=Settings(), now=3000.0)
    document = json.loads(content)
    assert (name, mime) == ("incident-a.json", "application/json")
    assert [f["actual_cause"] for f in document["feedback"]] == ["db_slow on postgres"]
