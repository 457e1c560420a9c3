"""The memory read through the store: similar incidents carry the actions ticked then (and the report says so),
postmortems are validated and redacted before they are stored, recurrences are counted from the fingerprints."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from benchmarks.ui_seed import analysed_incident
from core.errors import InvalidInputError, NotFoundError
from core.memory import recall
from core.memory.postmortem import FOR_THE_TEAM, UNASSIGNED, ActionItem
from core.report import similar
from core.store import Store
from core.store.actions import ActionCheck

SECRET_URL = "https://ana:hunter2@grafana.example/d/abc?api_key=s3cr3t#panel"


@pytest.fixture
def store(tmp_path: Path):
    opened = Store(tmp_path / "recall.duckdb")
    yield opened
    opened.close()


def _recorded(store: Store, start: float):
    incident, _ = analysed_incident(start + 900, start=start)
    store.save_incident(incident)
    recall.record(store, incident, start + 30)
    return incident


def test_similar_incidents_carry_the_actions_checked_then(store: Store) -> None:
    now = time.time()
    first = _recorded(store, now - 7200)
    second = _recorded(store, now - 3600)
    title = first.final_summary.actions.immediate[0].title
    store.save_action_check(ActionCheck(incident_id=first.id, index=0, title=title, checked=True, by="ana", at=now))
    [found] = recall.similar_to(store, second, threshold=0.6)
    assert (found.id, found.similarity, found.actions_checked) == (first.id, 1.0, [title])
    assert recall.similar_to(store, first, threshold=0.6) == []  # later incidents never count
    view = second.final_summary.model_copy(update={"similar": [found]})
    [row] = similar.markdown_lines(view)[2:]
    assert f"{title} ✓ checked" in row
    assert f"{title} ✓ checked" in similar.html_section(view)
    assert recall.recurrences(store, 0.6) == {second.id: 1}


def test_postmortem_is_the_draft_until_saved_then_the_newest_version(store: Store) -> None:
    incident = _recorded(store, time.time() - 3600)
    drafted = recall.postmortem(store, incident.id)
    assert drafted.version == 0 and drafted.lessons == FOR_THE_TEAM
    edited = drafted.model_copy(
        update={"lessons": f"See {SECRET_URL} for the dashboard.", "action_items": [ActionItem(title="Add an index")]}
    )
    saved = recall.save_postmortem(store, edited, by=" ", at=100.0)
    assert (saved.version, saved.edited_by) == (1, "anonymous")
    assert recall.postmortem(store, incident.id).lessons == "See https://grafana.example/d/abc for the dashboard."
    assert "hunter2" not in store.postmortem_versions(incident.id)[0].model_dump_json()
    with pytest.raises(NotFoundError):
        recall.postmortem(store, "no-such-incident")


def test_a_postmortem_that_breaks_a_rule_is_refused_with_every_reason(store: Store) -> None:
    incident = _recorded(store, time.time() - 3600)
    bad = recall.postmortem(store, incident.id).model_copy(
        update={
            "summary": "  ",
            "impact": "x" * 20_001,
            "action_items": [ActionItem(title="", owner="dba"), ActionItem(title="", owner="")],
        }
    )
    with pytest.raises(InvalidInputError) as raised:
        recall.save_postmortem(store, bad, by="ana", at=1.0)
    message = str(raised.value)
    assert 'The section "Summary" is empty' in message
    assert 'The section "Impact" has 20,001 characters; the limit is 20,000.' in message
    assert "Action item 1 has no title" in message and "Action item 2" not in message  # a blank row is dropped
    assert store.postmortem_versions(incident.id) == []
    fixed = bad.model_copy(
        update={"summary": "Checkout failed.", "impact": "SEV2", "action_items": [ActionItem(title="Index", owner="")]}
    )
    saved = recall.save_postmortem(store, fixed, by="ana", at=2.0)
    assert saved.action_items == [ActionItem(title="Index", owner=UNASSIGNED)]
