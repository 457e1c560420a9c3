"""The incident page's evidence, patterns, mitigation and feedback; the list's feedback column and CSV; the demo."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app.formatting import md_escape
from app.guided_demo import default_kind, incident_after
from benchmarks.ui_seed import HOSTILE_TEXT, analysed_incident, seed_logs
from core.log_patterns import mask
from core.models import FaultKind, InjectedFault
from tests.app.conftest import MAIN, make_incident


def _no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def seeded(runtime, **texts):
    now = runtime.clock.now()
    incident, runs = analysed_incident(now, start=now - 900, **texts)
    runtime.store.save_incident(incident)
    runtime.store.save_agent_runs(runs)
    return incident


def open_incident(app: AppTest, incident_id: str) -> AppTest:
    app.run()
    app.query_params["id"] = incident_id
    return app.switch_page("../pages/incident.py").run()


def test_evidence_shows_its_chart_and_its_log_lines(app: AppTest, runtime) -> None:
    line = f"ERROR payment declined order=42 {HOSTILE_TEXT}"
    incident = seeded(runtime, log_line=mask(line), summary=HOSTILE_TEXT)
    seed_logs(runtime.store, "checkout", incident.start_time + 5, [line, "INFO all good", line])
    open_incident(app, incident.id)
    _no_exception(app)
    [lines] = [c.value for c in app.code if f"UTC ERROR {line}" in c.value]  # the stored lines, as text
    assert lines.count(line) == 2 and "all good" not in lines
    keys = [chart.proto.id for chart in app.get("plotly_chart")]
    assert any("inc_chart_grid" in k for k in keys) and any("inc_ev_1_0_chart" in k for k in keys)  # window, evidence
    assert any("confidence 82" in m.value for m in app.markdown)


def test_patterns_and_mitigation_checklist(app: AppTest, runtime) -> None:
    incident = seeded(runtime)
    open_incident(app, incident.id)
    templates = [df.value for df in app.dataframe if "Template" in df.value.columns]
    assert list(templates[0]["Window"]) == [120]
    checks = [box.label for box in app.checkbox]
    assert any("Roll back checkout" in label for label in checks)
    assert any("kubectl rollout undo checkout" in c.value for c in app.code)


@pytest.mark.slow
def test_feedback_is_stored_and_shown_in_the_list(app: AppTest, runtime) -> None:
    incident = seeded(runtime)
    open_incident(app, incident.id)
    app.radio(key="inc_fb_verdict").set_value("wrong")
    app.button(key="inc_fb_send").click().run()
    assert "actual cause" in app.error[0].value  # wrong without a cause: explained, nothing stored
    assert runtime.store.feedback(incident.id) == []
    app.text_input(key="inc_fb_cause").input("db_slow on postgres")
    app.text_input(key="inc_fb_who").input("ana")
    app.button(key="inc_fb_send").click().run()
    _no_exception(app)
    [stored] = runtime.store.feedback(incident.id)
    assert (stored.verdict, stored.actual_cause, stored.by) == ("wrong", "db_slow on postgres", "ana")
    app.switch_page("../pages/incidents.py").run()
    table = app.dataframe[0].value
    assert list(table["RCA feedback"]) == ["✗ wrong: db_slow on postgres"]


def test_list_offers_the_filtered_incidents_as_csv(app: AppTest, runtime) -> None:
    make_incident(runtime, severity="SEV1")
    make_incident(runtime, severity="SEV3")
    app.run()
    app.switch_page("../pages/incidents.py").run()
    app.multiselect(key="list_severity").select("SEV1").run()
    _no_exception(app)
    assert [b.proto.label for b in app.get("download_button")] == ["Export CSV"]
    assert app.caption[0].value.startswith("1 incident(s)")  # the CSV holds the rows shown (core/export tests it)


def test_guided_demo_waits_for_the_first_incident_after_the_fault() -> None:
    fault = InjectedFault(id="f", type="db_slow", target="postgres", intensity=1, started_at=100.0, expires_at=300)
    before = make_incident_like("a", detected_at=90.0)
    late = make_incident_like("b", detected_at=130.0)
    first = make_incident_like("c", detected_at=110.0)
    assert incident_after([before], fault) is None
    assert incident_after([before, late, first], fault).id == "c"
    kinds = [FaultKind(type=t, description="", targets=["x"], default_target="x") for t in ("error_rate", "db_slow")]
    assert default_kind(kinds) == 1


def make_incident_like(id_: str, *, detected_at: float):
    from core.models import Incident

    return Incident(id=id_, title="t", start_time=detected_at - 10, detected_at=detected_at, fingerprint="f")


@pytest.mark.slow
def test_guided_demo_injects_detects_analyses_and_opens_the_report(db_path, monkeypatch) -> None:
    monkeypatch.setenv("DETECTION_INTERVAL_SECONDS", "1")
    monkeypatch.setenv("CONFIRMATION_SECONDS", "2")
    from app.runtime import get_runtime

    runtime = get_runtime()
    app = AppTest.from_file(str(MAIN), default_timeout=90)
    app.run()
    app.switch_page("../pages/faults.py").run()
    app.selectbox(key="faults_demo_kind").set_value("error_rate")
    app.button(key="faults_demo_run").click().run()
    _no_exception(app)
    opened = [i for i in runtime.store.list_incidents() if md_escape(i.title) == app.title[0].value]
    assert opened, "the guided demo ends on the new incident's page"
    assert opened[0].analysis_status in ("done", "partial")
