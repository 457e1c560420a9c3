"""The incident page's memory: similar past incidents with their outcome and links, the postmortem editor (save a
version, keep edits a save refused, survive a restart on the same DuckDB file), ticks of the action checklist
stored, and the list's recurrence counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.testing.v1 import AppTest

from app.incident_postmortem import _edited_postmortem, _edited_rows
from app.runtime import get_runtime
from benchmarks.ui_seed import analysed_incident
from core.memory import recall
from core.memory.postmortem import ActionItem, Postmortem, draft
from core.models import Feedback, Incident
from tests.app.conftest import MAIN


def _no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def seeded(runtime, *, ago: float, note: str | None = None) -> Incident:
    """An analysed, resolved incident ``ago`` seconds back, fingerprinted as after its analysis."""
    now = runtime.clock.now()
    incident, runs = analysed_incident(now, start=now - ago)
    incident = incident.model_copy(update={"resolution_note": note, "resolved_by": "bob" if note else None})
    runtime.store.save_incident(incident)
    runtime.store.save_agent_runs(runs)
    recall.record(runtime.store, incident, now)
    return incident


def open_incident(app: AppTest, incident_id: str) -> AppTest:
    app.run()
    app.query_params["id"] = incident_id
    return app.switch_page("../pages/incident.py").run()


def _markdown(app: AppTest) -> str:
    return "\n".join(m.value for m in app.markdown) + "\n" + "\n".join(c.value for c in app.caption)


def test_similar_incidents_show_their_outcome_and_link_to_them(app: AppTest, runtime) -> None:
    first = seeded(runtime, ago=7200, note="rolled back release 42")
    runtime.store.save_feedback(
        Feedback(incident_id=first.id, verdict="right", by="ana", created_at=runtime.clock.now() - 3000)
    )
    recall.record(runtime.store, runtime.store.get_incident(first.id), runtime.clock.now())
    second = seeded(runtime, ago=1800)
    open_incident(app, first.id)
    _no_exception(app)
    assert "No earlier incident is at least 60% similar" in _markdown(app)  # the first of its kind
    open_incident(app, first.id)
    app.checkbox(key=f"inc_check_{first.id}_0").check().run()  # ticked on the first: the second's card says so

    open_incident(app, second.id)
    _no_exception(app)
    text = _markdown(app)
    assert "1 earlier incident(s) at least 60% similar" in text
    assert "**Cause stated then:** error\\_rate on checkout" in text
    assert "✓ confirmed right" in text and "rolled back release 42" in text
    assert "✓ Roll back checkout" in text
    links = [el for el in app.get("page_link") if first.id in el.proto.page or first.id in str(el.proto)]
    assert links and "100% similar" in links[0].proto.label


def test_postmortem_save_makes_version_2_kept_after_a_restart(app: AppTest, runtime, db_path) -> None:
    incident = seeded(runtime, ago=1800)
    runtime.store.save_postmortem(draft(incident), by="tool", at=runtime.clock.now())
    open_incident(app, incident.id)
    _no_exception(app)
    assert "Version 1, saved by tool" in _markdown(app)
    app.text_area(key=f"inc_pm_{incident.id}_v1_lessons").input("Alert on payment timeouts before users do.").run()
    app.text_input(key="inc_pm_who").input("ana").run()
    app.button(key="inc_pm_save").click().run()
    _no_exception(app)
    assert any("saved as version 2 by ana" in s.value for s in app.success)
    assert "Alert on payment timeouts" in app.text_area(key=f"inc_pm_{incident.id}_v2_lessons").value

    st.cache_resource.clear()  # the runtime closes its store; a new one opens the same DuckDB file
    st.cache_data.clear()
    reopened = get_runtime()
    assert reopened is not runtime and reopened.store.path == db_path
    [latest, _] = reopened.store.postmortem_versions(incident.id)
    assert (latest.version, latest.edited_by, latest.lessons) == (
        2,
        "ana",
        "Alert on payment timeouts before users do.",
    )
    again = open_incident(AppTest.from_file(str(MAIN), default_timeout=30), incident.id)
    _no_exception(again)
    assert "Version 2, saved by ana" in _markdown(again)
    assert again.text_area(key=f"inc_pm_{incident.id}_v2_lessons").value.startswith("Alert on payment timeouts")
    versions = [df.value for df in again.dataframe if "Edited by" in df.value.columns]
    assert list(versions[0]["Version"]) == [2, 1] and list(versions[0]["Edited by"]) == ["ana", "tool"]


def test_a_refused_save_says_why_and_keeps_the_edits(app: AppTest, runtime) -> None:
    incident = seeded(runtime, ago=1800)
    open_incident(app, incident.id)
    assert any("Draft written by the tool" in c.value for c in app.caption)
    prefix = f"inc_pm_{incident.id}_v0"
    app.text_area(key=f"{prefix}_summary").input("").run()
    app.text_area(key=f"{prefix}_lessons").input("Keep this lesson.").run()
    app.button(key="inc_pm_save").click().run()
    _no_exception(app)
    assert any('The section "Summary" is empty' in e.value and "edits are kept" in e.value for e in app.error)
    assert runtime.store.postmortem_versions(incident.id) == []
    app.switch_page("../pages/incidents.py").run()  # away and back: the widgets are gone, the edits are not
    open_incident(app, incident.id)
    assert app.text_area(key=f"{prefix}_lessons").value == "Keep this lesson."
    app.text_area(key=f"{prefix}_summary").input("Checkout failed for 5 minutes.").run()
    app.button(key="inc_pm_save").click().run()
    [saved] = runtime.store.postmortem_versions(incident.id)
    assert (saved.summary, saved.lessons, saved.edited_by) == (
        "Checkout failed for 5 minutes.",
        "Keep this lesson.",
        "anonymous",
    )


def test_action_ticks_are_stored_with_who_and_shown_to_a_new_session(app: AppTest, runtime) -> None:
    incident = seeded(runtime, ago=1800)
    open_incident(app, incident.id)
    app.text_input(key="inc_check_who").input("carol").run()
    app.checkbox(key=f"inc_check_{incident.id}_0").check().run()
    _no_exception(app)
    [tick] = runtime.store.action_checks([incident.id])[incident.id]
    assert (tick.index, tick.title, tick.checked, tick.by) == (0, "Roll back checkout", True, "carol")
    other = open_incident(AppTest.from_file(str(MAIN), default_timeout=30), incident.id)
    assert other.checkbox(key=f"inc_check_{incident.id}_0").value is True
    assert any("Ticked by carol" in c.value for c in other.caption)
    other.checkbox(key=f"inc_check_{incident.id}_0").uncheck().run()
    assert runtime.store.checked_actions([incident.id]) == {}


def test_the_list_marks_recurring_incidents_with_their_count(app: AppTest, runtime) -> None:
    seeded(runtime, ago=7200)
    seeded(runtime, ago=5400)
    last = seeded(runtime, ago=1800)
    app.run()
    app.switch_page("../pages/incidents.py").run()
    _no_exception(app)
    table = app.dataframe[0].value
    assert list(table["Recurring"]) == ["×2", "×1", ""]  # newest first
    assert table.iloc[0]["id"] == last.id


def test_the_action_table_rows_become_action_items() -> None:
    frame = pd.DataFrame(
        [{"title": " Add an index ", "owner": None}, {"title": np.nan, "owner": np.nan}, {"title": "", "owner": "dba"}]
    )
    rows = _edited_rows(frame)
    assert rows == [{"title": "Add an index", "owner": ""}, {"title": "", "owner": ""}, {"title": "", "owner": "dba"}]
    pm = _edited_postmortem(Postmortem(incident_id="i", title="t"), {"action_items": rows})
    assert pm.action_items == [ActionItem(title="Add an index", owner=""), ActionItem(title="", owner="dba")]
    assert "Action item 2 has no title" in " ".join(pm.problems())  # the owner without a title is kept to be fixed
