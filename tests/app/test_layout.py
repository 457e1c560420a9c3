"""The dashboard's grid and service choice, and the incident page's report that reads in one screen: lead sections
first, the top log patterns with "Show all", the rest folded, and both detection delays labelled."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from benchmarks.ui_seed import HOSTILE_TEXT, analysed_incident, seed_metrics
from core.models import ERROR_RATE, InjectedFault
from tests.app.conftest import make_incident


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


def chart_spec(app: AppTest, key: str) -> dict:
    [chart] = [c for c in app.get("plotly_chart") if key in c.proto.id]
    return json.loads(chart.proto.spec)


def test_the_report_tab_puts_summary_cause_and_actions_first_then_patterns_then_the_rest_folded(
    app: AppTest, runtime
) -> None:
    incident = seeded(runtime, summary=HOSTILE_TEXT)
    open_incident(app, incident.id)
    _no_exception(app)
    headings = [m.value for m in app.markdown if m.value.startswith("#### ")]
    assert headings[:4] == ["#### Executive Summary", "#### Root Cause", "#### Immediate Actions", "#### Log patterns"]
    labels = [e.label for e in app.expander]
    assert labels[labels.index("Impact") :][:4] == ["Impact", "Timeline", "Evidence", "Prevention"]
    assert any(label.startswith("Show all ") and label.endswith(" patterns") for label in labels)
    assert not any("<script>" in m.value for m in app.markdown)  # the hostile summary is escaped text


def test_detected_after_counts_from_the_injected_fault_and_from_the_first_sign(app: AppTest, runtime) -> None:
    incident = make_incident(runtime, ago=120)
    runtime.store.save_fault(
        InjectedFault(
            id="f1",
            type="error_rate",
            target="checkout",
            intensity=1.0,
            started_at=incident.start_time - 8,
            expires_at=incident.start_time + 100,
        )
    )
    open_incident(app, incident.id)
    _no_exception(app)
    shown = {m.label: m.value for m in app.metric}
    assert shown["Detected after the fault"] == "18 s"  # opened 10 s after its first signal, 8 s after the fault
    assert shown["Detected after first sign"] == "10 s"


def test_without_a_fault_only_the_first_sign_is_counted(app: AppTest, runtime) -> None:
    incident = make_incident(runtime, ago=120)
    open_incident(app, incident.id)
    _no_exception(app)
    labels = [m.label for m in app.metric]
    assert "Detected after first sign" in labels and "Detected after the fault" not in labels


def test_the_dashboard_draws_one_grid_and_a_service_choice_narrows_it(app: AppTest, runtime) -> None:
    now = runtime.clock.now()
    seed_metrics(runtime.store, now, 600, services=["checkout", "payments"], metrics=[ERROR_RATE])
    app.run()
    _no_exception(app)
    every = {t["name"] for t in chart_spec(app, "dash_grid")["data"] if t.get("mode") == "lines"}
    assert {"checkout", "payments"} <= every
    app.get("button_group")[0].set_value(["payments"]).run()
    _no_exception(app)
    shown = {t["name"] for t in chart_spec(app, "dash_grid")["data"] if t.get("mode") == "lines"}
    assert shown == {"payments"}


def test_a_hostile_service_name_is_a_literal_pill_label(app: AppTest, runtime) -> None:
    seed_metrics(runtime.store, runtime.clock.now(), 300, services=[HOSTILE_TEXT], metrics=[ERROR_RATE])
    app.run()
    _no_exception(app)
    labels = [option.content for option in app.get("button_group")[0].proto.options]
    assert labels and not any("<img" in label or "<script>" in label for label in labels)
    assert any("&lt;script&gt;" in label for label in labels)
