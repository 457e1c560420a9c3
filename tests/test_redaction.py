"""One redaction policy: URLs lose user info, query and fragment everywhere they leave the process, in the
runtime's statuses, its log lines, the errors of failed calls and the exports (the pages: tests/app)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from core.clock import VirtualClock
from core.config import Settings
from core.errors import SourceError
from core.redaction import UNPARSEABLE, redact_url, redact_urls_in
from core.runtime import Runtime
from demo_service import DemoService
from tests.factories import checkout_incident

SECRET = "s3cret"
CREDENTIALS = f"admin:{SECRET}"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (f"https://prom:9090/api?access_token={SECRET}", "https://prom:9090/api"),
        (f"https://{CREDENTIALS}@llm.example:8443/v1", "https://llm.example:8443/v1"),
        (f"https://{SECRET}@llm.example/v1", "https://llm.example/v1"),
        ("https://[::1]:9090/v1", "https://[::1]:9090/v1"),
        (f"http://{CREDENTIALS}@[fe80::1]:3100/loki?token={SECRET}&x=1#{SECRET}", "http://[fe80::1]:3100/loki"),
        (f"https://h/api?sig={SECRET}&X-Amz-Signature={SECRET}&page=2", "https://h/api"),
        (f"{CREDENTIALS}@host:8001/x?token={SECRET}", "host:8001/x"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("logs/app-?.log, /var/log/*.log", "logs/app-?.log, /var/log/*.log"),
        (f"http://[::1:9090/?token={SECRET}", UNPARSEABLE),
    ],
    ids=[
        "access-token-query",
        "user-and-password",
        "bare-token-user",
        "ipv6-kept-in-brackets",
        "ipv6-credentials-query-fragment",
        "every-query-value",
        "no-scheme-credentials",
        "plain",
        "file-globs-are-not-urls",
        "unclosed-ipv6-bracket",
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def _free_port(family: socket.AddressFamily, host: str) -> int:
    with socket.socket(family) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def _settings(tmp_path: Path, demo_host: str, **changes: object) -> Settings:
    return Settings(
        _env_file=None,
        incident_db_path=tmp_path / "redact.duckdb",
        demo_service_url=f"http://{CREDENTIALS}@{demo_host}/?access_token={SECRET}",
        **changes,
    )


def _leaks(text: str) -> list[str]:
    return [word for word in (SECRET, "admin", "access_token") if word in text]


def test_a_failing_demo_service_is_named_without_credentials_in_statuses_errors_and_log_lines(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    demo_host = f"127.0.0.1:{_free_port(socket.AF_INET, '127.0.0.1')}"  # nothing listens there
    runtime = Runtime.start(_settings(tmp_path, demo_host), clock=VirtualClock(), run_scheduler=False)
    try:
        report = runtime.monitor.tick()
        statuses = runtime.source_statuses()
        with pytest.raises(SourceError) as refused:
            runtime.inject_fault("error_rate")
    finally:
        runtime.close()
    assert runtime.demo_service_url() == f"http://{demo_host}"
    assert {status.target for status in statuses} == {f"http://{demo_host}/metrics", f"http://{demo_host}/logs"}
    assert [status.last_error for status in statuses if status.name == "demo metrics"] == [
        f"GET http://{demo_host}/metrics: ConnectionError: connection failed"
    ]
    assert str(refused.value) == f"POST http://{demo_host}/faults: ConnectionError: connection failed"
    assert f"source demo metrics failed: GET http://{demo_host}/metrics" in caplog.text
    shown = [caplog.text, str(refused.value), *report.errors, *(repr(status) for status in statuses)]
    assert _leaks("\n".join(shown)) == []


@pytest.mark.slow  # a full analysis, every agent asking the absent LLM
def test_an_llm_at_an_ipv6_url_with_credentials_is_named_without_them_in_log_lines_and_exports(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    llm_port = _free_port(socket.AF_INET6, "::1")  # nothing listens there: every LLM call fails
    demo = DemoService(clock=VirtualClock(), seed=3)
    demo_host = demo.start(host="127.0.0.1", port=0).removeprefix("http://")
    settings = _settings(
        tmp_path,
        demo_host,
        openai_api_key="sk-test-redaction-0123456789",
        openai_base_url=f"http://{CREDENTIALS}@[::1]:{llm_port}/v1?access_token={SECRET}",
        openai_model="fake-model",
        llm_max_retries=0,
    )
    runtime = Runtime.start(settings, clock=VirtualClock(), run_scheduler=False)
    try:
        runtime.monitor.tick()
        runtime.store.save_incident(checkout_incident("redact-1", runtime.clock.now()))
        runtime.analyze("redact-1")
        exported = [runtime.export("redact-1", fmt)[2].decode() for fmt in ("md", "json")]
    finally:
        runtime.close()
        demo.stop()
    shown_llm = f"at http://[::1]:{llm_port}/v1"
    runs = json.loads(exported[1])["agent_runs"]
    llm_errors = [run["output_json"]["llm"]["error"] for run in runs if run["output_json"].get("llm")]
    assert llm_errors and all(shown_llm in error for error in llm_errors), llm_errors
    assert f"LLM refinement not used: LLM connection error calling fake-model {shown_llm}" in caplog.text
    assert _leaks("\n".join([caplog.text, *exported])) == []


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("see https://ana:pw@grafana.example/d/x?token=abc#f now", "see https://grafana.example/d/x now"),
        (
            "(http://host:9090/graph?g0.expr=up) and `s3://bucket/key?sig=1`",
            "(http://host:9090/graph) and `s3://bucket/key`",
        ),
        ("no url here: ratio 3:1, host:port", "no url here: ratio 3:1, host:port"),
    ],
    ids=["credentials-and-query", "brackets-and-backticks", "no-url"],
)
def test_redact_urls_in_text(text: str, shown: str) -> None:
    assert redact_urls_in(text) == shown
