"""Pure helpers of the pages: times, durations, secrets kept off screen, safe Markdown, incident views."""

from __future__ import annotations

import pytest

from app import formatting
from app.incident_view import failed_agents, latest_analysis, runs_frame, timeline_frame
from app.progress import ProgressBoard
from core.config import Settings
from core.detection.promise import expected_detection
from core.errors import FaultRequestError, SourceError, StoreLockedError
from core.models import AgentRun, Incident, RootCauseOutput, agent_output

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "—"),
        (0, "0 s"),
        (45.4, "45 s"),
        (200, "3 min 20 s"),
        (120, "2 min"),
        (7500, "2 h 5 min"),
        (97200, "1 d 3 h"),
    ],
    ids=["none", "zero", "seconds", "minutes", "whole-minutes", "hours", "days"],
)
def test_fmt_duration(seconds, text) -> None:
    assert formatting.fmt_duration(seconds) == text


def test_times_are_utc() -> None:
    assert formatting.fmt_ts(T0) == "2026-01-01 00:00:00 UTC"
    assert formatting.fmt_clock(T0 + 3661) == "01:01:01"
    assert formatting.fmt_ago(T0 - 90, T0) == "1 min 30 s ago"
    assert formatting.fmt_ago(T0 + 0.3, T0) == "just now"


def test_md_escape_neutralises_markdown_and_directives() -> None:
    escaped = formatting.md_escape("**bold** [link](http://x) :red[alarm] <b>")
    assert "**" not in escaped.replace("\\*", "")
    assert escaped.startswith("\\*\\*bold\\*\\*")
    assert "\\:red\\[alarm\\]" in escaped
    assert "&lt;b&gt;" in escaped and "<b>" not in escaped  # one escaper for core and app: HTML as entities


def test_redact_url_drops_credentials() -> None:
    assert formatting.redact_url("https://user:s3cret@llm.example:8443/v1") == "https://llm.example:8443/v1"
    assert formatting.redact_url("http://127.0.0.1:8000") == "http://127.0.0.1:8000"
    assert formatting.redact_url(None) == "—"


def test_settings_never_show_the_api_key() -> None:
    settings = Settings(openai_api_key="sk-very-secret", openai_base_url="https://u:p@llm.example/v1")
    rows = dict(formatting.public_settings(settings))
    assert rows["OPENAI_API_KEY"] == "set (hidden)"
    assert rows["OPENAI_BASE_URL"] == "https://llm.example/v1"
    assert "sk-very-secret" not in repr(rows)
    mode = formatting.llm_mode(settings)
    assert mode == "LLM refinement: model gpt-4o-mini at base URL https://llm.example/v1"


def test_llm_mode_without_key() -> None:
    assert formatting.llm_mode(Settings(openai_api_key=None)) == "Deterministic analyzers (no OPENAI_API_KEY)"


def test_the_promised_detection_time_follows_the_targets_traffic() -> None:
    settings = Settings(confirmation_seconds=10, detection_interval_seconds=5)
    busy = expected_detection("error_rate", 15.0, settings)
    assert (busy.about, busy.at_most) == (15, 20)
    assert formatting.promise_text(busy, "checkout").startswith("Detection should take about 15 s (at most ~20 s)")
    quiet = expected_detection("error_rate", 1.0, settings)  # 20 requests take 20 s: the window doubles
    assert (quiet.about, quiet.at_most) == (20, 30)
    assert "1.0 requests a second payments answers now" in formatting.promise_text(quiet, "payments")
    idle = expected_detection("error_rate", 0.1, settings)
    assert idle.at_most is None and "may take minutes" in formatting.promise_text(idle, "payments")
    assert expected_detection("cpu_saturation", 0.1, settings).at_most == 20  # a gauge: traffic does not matter
    assert expected_detection("memory_leak", 15.0, settings).at_most == 60


@pytest.mark.parametrize(
    ("exc", "words"),
    [
        (StoreLockedError("locked"), "INCIDENT_DB_PATH"),
        (SourceError("GET /faults: 503"), "DEMO_SERVICE_URL"),
        (FaultRequestError("bad target"), "target"),
    ],
    ids=["locked", "source", "fault"],
)
def test_errors_say_what_to_do(exc, words) -> None:
    message = formatting.explain(exc, "do it")
    assert message.startswith(f"Could not do it: {exc}")
    assert words in message


def _run(agent: str, analysis: str, started: float, status: str = "ok", **output) -> AgentRun:
    return AgentRun(
        id=f"{analysis}-{agent}",
        incident_id="i",
        analysis_id=analysis,
        agent_name=agent,
        started_at=started,
        finished_at=started + 1,
        latency_ms=1000,
        status=status,
        error="timeout" if status == "error" else None,
        output_json=output,
    )


def test_latest_analysis_and_its_hypotheses() -> None:
    hypothesis = {"service": "postgres", "kind": "db_slow", "confidence": 0.9, "summary": "slow"}
    runs = [
        _run("root_cause", "old", T0, hypotheses=[{**hypothesis, "kind": "error_rate"}]),
        _run("monitoring", "new", T0 + 60),
        _run("root_cause", "new", T0 + 61, hypotheses=[hypothesis]),
        _run("mitigation", "new", T0 + 62, status="error"),
    ]
    latest = latest_analysis(runs)
    assert [r.agent_name for r in latest] == ["monitoring", "root_cause", "mitigation"]
    root_cause = agent_output(latest, "root_cause", RootCauseOutput)
    assert root_cause is not None and [h.kind for h in root_cause.hypotheses] == ["db_slow"]
    assert failed_agents(latest) == [("mitigation", "timeout")]
    assert list(runs_frame(runs)["Analysis"]) == ["new", "new", "new", "old"]


def test_timeline_is_ordered_and_includes_monitoring_events() -> None:
    incident = Incident(
        id="i",
        title="t",
        start_time=T0,
        detected_at=T0 + 12,
        fingerprint="f",
        acknowledged_at=T0 + 30,
        acknowledged_by="ana",
    )
    monitoring = _run(
        "monitoring",
        "a",
        T0 + 20,
        timeline=[{"ts": T0 + 5, "service": "checkout", "source": "metric", "description": "p95 up"}],
    )
    frame = timeline_frame(incident, [monitoring], [])
    assert list(frame["Event"]) == [
        "First signal (incident start)",
        "p95 up",
        "Incident opened: t",
        "Acknowledged by ana",
    ]


def test_progress_board_is_a_snapshot() -> None:
    board = ProgressBoard(("monitoring", "reporter"))
    board.update("monitoring", "running")
    snapshot = board.snapshot()
    board.update("monitoring", "ok")
    assert snapshot == {"monitoring": "running", "reporter": "waiting"}
    assert board.snapshot()["monitoring"] == "ok"
    assert board.updates == 2
