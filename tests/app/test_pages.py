"""Every page renders without an exception, and its buttons do what they say (real runtime, temporary DB)."""

from __future__ import annotations

import threading
import time

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core.agents.recalibration import PlattMap
from tests.app.conftest import make_incident

PAGES = [
    "../pages/dashboard.py",
    "../pages/incidents.py",
    "../pages/incident.py",
    "../pages/faults.py",
    "../pages/status.py",
]


def _no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.rsplit("/", 1)[-1])
def test_page_renders_without_exception(app: AppTest, runtime, page: str) -> None:
    make_incident(runtime)
    app.run()
    app.switch_page(page).run()
    _no_exception(app)


def test_dashboard_lists_incident_and_tiles(app: AppTest, runtime) -> None:
    incident = make_incident(runtime)
    app.run()
    _no_exception(app)
    assert [m.label for m in app.metric][:4] == ["Open", "Investigating", "Resolved", "Demo service"]
    assert app.metric[0].value == "1"
    links = [link for link in app.get("page_link") if incident.id in str(link.proto.query_string)]
    assert links, "the dashboard links to the incident"


def test_status_page_shows_every_detection_threshold(app: AppTest, runtime) -> None:
    app.run()
    app.switch_page("../pages/status.py").run()
    _no_exception(app)
    shown = {m.label: m.value for m in app.metric}
    settings = runtime.settings
    assert shown["Memory"] == f"{settings.memory_threshold_mb:g} MB"
    assert shown["CPU"] == f"{settings.cpu_threshold_percent:g}% of a core"
    assert shown["Disk used"] == f"{settings.disk_threshold_percent:g}%"
    assert shown["DB pool in use"] == f"{settings.db_pool_threshold:.0%}"
    assert shown["Anomaly score"] == f"{settings.anomaly_alert_threshold:g}"


def test_status_page_says_which_confidence_calibration_is_in_force(app: AppTest, runtime) -> None:
    app.run()
    app.switch_page("../pages/status.py").run()
    _no_exception(app)
    assert any("**Confidence calibration:** the benchmark's fit alone" in m.value for m in app.markdown)
    runtime.store.save_calibration(PlattMap(slope=0.62, intercept=-0.4), verdicts=31, by="ana", at=1_767_225_600.0)
    st.cache_data.clear()
    app.run()
    _no_exception(app)
    line = next(m.value for m in app.markdown if "**Confidence calibration:**" in m.value)
    assert "refit from 31 verdicts by ana, 2026-01-01 00:00 UTC (slope 0.62, intercept -0.40" in line


def test_incident_page_opens_from_query_param(app: AppTest, runtime) -> None:
    incident = make_incident(runtime)
    app.run()
    app.query_params["id"] = incident.id
    app.switch_page("../pages/incident.py").run()
    _no_exception(app)
    assert app.title[0].value.startswith("Error rate above 5")
    assert app.button(key="inc_rerun")


def test_unknown_incident_shows_error_and_link_back(app: AppTest, runtime) -> None:
    app.run()
    app.query_params["id"] = "no-such-incident"
    app.switch_page("../pages/incident.py").run()
    _no_exception(app)
    assert "No incident has the id" in app.error[0].value
    assert any("incidents" in str(link.proto.page) for link in app.get("page_link"))


@pytest.mark.slow
def test_rerun_analysis_stores_runs(app: AppTest, runtime) -> None:
    incident = make_incident(runtime)
    app.run()
    app.query_params["id"] = incident.id
    app.switch_page("../pages/incident.py").run()
    app.button(key="inc_rerun").click().run(timeout=120)
    _no_exception(app)
    assert runtime.store.get_incident(incident.id).analysis_status in ("done", "partial")
    assert runtime.store.agent_runs(incident.id)


def test_fault_button_reaches_demo_service(app: AppTest, runtime) -> None:
    app.run()
    app.switch_page("../pages/faults.py").run()
    kind = runtime.fault_catalogue()[0]
    app.button(key=f"faults_inject_{kind.type}").click().run()
    _no_exception(app)
    active = runtime.active_faults()
    assert [f.type for f in active] == [kind.type]
    assert "Detection should take about" in app.success[0].value
    app.button(key="faults_stop_all").click().run()
    assert runtime.active_faults() == []


def open_incident_page(app: AppTest, incident_id: str) -> AppTest:
    app.run()
    app.query_params["id"] = incident_id
    return app.switch_page("../pages/incident.py").run()


def test_acknowledge_then_resolve_records_who_and_note(app: AppTest, runtime) -> None:
    incident = make_incident(runtime)
    open_incident_page(app, incident.id)
    app.text_input(key="inc_who").input("ana")
    app.button(key="inc_acknowledge").click().run()
    _no_exception(app)
    assert runtime.store.get_incident(incident.id).acknowledged_by == "ana"
    assert app.success[0].value == "Acknowledged by ana."  # the escaper leaves a full stop as it is
    app.text_area(key="inc_note").input("rolled back checkout")
    app.button(key="inc_resolve").click().run()
    stored = runtime.store.get_incident(incident.id)
    assert (stored.status, stored.resolved_by, stored.resolution_note) == ("RESOLVED", "ana", "rolled back checkout")
    assert app.button(key="inc_resolve").disabled


def test_downloads_offer_markdown_and_json(app: AppTest, runtime) -> None:
    incident = make_incident(runtime, rca_markdown="# Report\n", analysis_status="done")
    open_incident_page(app, incident.id)
    _no_exception(app)
    labels = [button.label for button in app.get("download_button")]
    assert labels == ["Report (.md)", "Data (.json)", "Report (.html)", "Postmortem (.md)", "Postmortem (.html)"]


def test_interrupted_analysis_asks_for_a_rerun(app: AppTest, runtime) -> None:
    incident = make_incident(runtime, analysis_status="interrupted")
    open_incident_page(app, incident.id)
    _no_exception(app)
    assert any("interrupted" in w.value and "Rerun analysis" in w.value for w in app.warning)


def test_incident_filters_narrow_the_list(app: AppTest, runtime) -> None:
    make_incident(runtime, severity="SEV1")
    make_incident(runtime, severity="SEV3", title="p95 latency above 1000 ms on catalog")
    app.run()
    app.switch_page("../pages/incidents.py").run()
    assert len(app.dataframe[0].value) == 2
    app.multiselect(key="list_severity").select("SEV1").run()
    _no_exception(app)
    assert list(app.dataframe[0].value["Severity"]) == ["SEV1"]
    app.multiselect(key="list_severity").unselect("SEV1").select("SEV2").run()
    assert not app.dataframe
    assert "No incident matches" in app.info[0].value


def test_runtime_threads_stop_when_the_cache_releases_it(runtime) -> None:
    assert runtime.scheduler_status().running
    st.cache_resource.clear()
    assert not runtime.scheduler_status().running
    assert "detection-scheduler" not in {t.name for t in threading.enumerate()}


@pytest.mark.slow
def test_fault_to_report_loop_shows_on_dashboard_and_incident_page(app: AppTest, runtime) -> None:
    """Press a fault button; detection opens an incident, the agents analyse it, the pages show it."""
    app.run()
    app.switch_page("../pages/faults.py").run()
    app.button(key="faults_inject_error_rate").click().run()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = runtime.store.list_incidents()
        if found and found[0].analysis_status in ("done", "partial"):
            break
        time.sleep(0.5)
    else:
        pytest.fail("no analysed incident within 60 s of the fault")
    incident = found[0]
    assert incident.root_cause_kind == "error_rate"
    st.cache_data.clear()
    app.switch_page("../pages/dashboard.py").run()
    _no_exception(app)
    assert any(incident.id in str(link.proto.query_string) for link in app.get("page_link"))
    open_incident_page(app, incident.id)
    _no_exception(app)
    assert app.markdown and any("error\\_rate on" in m.value for m in app.markdown)
