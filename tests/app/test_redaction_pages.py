"""Every page shows a URL that carries credentials or a token without them (AppTest, real runtime): the demo
service's, Prometheus', Loki's and the LLM's, IPv6 hosts in brackets."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from demo_service import DemoService
from tests.app.conftest import MAIN, make_incident
from tests.app.test_pages import PAGES

SECRET = "s3cret"
CREDENTIALS = f"admin:{SECRET}"


def _free_port(family: socket.AddressFamily, host: str) -> int:
    with socket.socket(family) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def page_text(at: AppTest) -> str:
    """Everything the page sent to the browser: every element's message (labels, values, help texts) and
    the cells of every table."""
    parts: list[str] = []

    def walk(node: object) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    parts += [frame.value.to_csv() for frame in at.dataframe]
    return "\n".join(parts)


def _leaks(text: str) -> list[str]:
    return [word for word in (SECRET, "admin", "access_token", "token=") if word in text]


@pytest.fixture
def demo_host() -> Iterator[str]:
    """A standalone demo service on the wall clock, as DEMO_SERVICE_URL would name one."""
    service = DemoService(seed=5)
    url = service.start(host="127.0.0.1", port=0)
    yield url.removeprefix("http://")
    service.stop()


@pytest.fixture
def llm_port() -> int:
    return _free_port(socket.AF_INET6, "::1")  # nothing listens there: every LLM call fails


@pytest.fixture
def secret_urls(db_path: Path, monkeypatch: pytest.MonkeyPatch, demo_host: str, llm_port: int) -> None:
    monkeypatch.setenv("DEMO_SERVICE_URL", f"http://{CREDENTIALS}@{demo_host}/?access_token={SECRET}")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-pages-0123456789")
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://{CREDENTIALS}@[::1]:{llm_port}/v1?access_token={SECRET}")
    monkeypatch.setenv("LLM_MAX_RETRIES", "0")
    monkeypatch.setenv("PROMETHEUS_URL", f"https://prom:9090/api?access_token={SECRET}")
    monkeypatch.setenv("LOKI_URL", f"http://{CREDENTIALS}@[fe80::1]:3100/?token={SECRET}#{SECRET}")


@pytest.mark.slow  # an analysis behind every page
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.rsplit("/", 1)[-1])
def test_no_page_shows_a_credential_or_token_of_a_url(secret_urls: None, page: str, demo_host: str) -> None:
    from app.runtime import get_runtime

    runtime = get_runtime()
    incident = make_incident(runtime)
    runtime.analyze(incident.id)  # the LLM fails: every agent run records why, naming its URL
    at = AppTest.from_file(str(MAIN), default_timeout=60)
    at.run()
    at.query_params["id"] = incident.id
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    text = page_text(at)
    assert _leaks(text) == []
    if page.endswith("status.py"):
        for shown in (f"http://{demo_host}", "http://[::1]:", "https://prom:9090/api", "http://[fe80::1]:3100"):
            assert shown in text, shown
    if page.endswith("dashboard.py"):
        assert f"http://{demo_host}" in text


def test_a_failing_prometheus_at_an_ipv6_url_is_named_without_its_credentials(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = _free_port(socket.AF_INET6, "::1")  # nothing listens there
    monkeypatch.setenv("DATA_MODE", "prometheus_loki")
    monkeypatch.setenv("PROMETHEUS_URL", f"http://{CREDENTIALS}@[::1]:{port}/?access_token={SECRET}")
    from app.runtime import get_runtime

    get_runtime().monitor.tick()  # one poll against the absent Prometheus
    at = AppTest.from_file(str(MAIN), default_timeout=30)
    at.run()
    at.switch_page("../pages/status.py").run()
    rows = [row for frame in at.dataframe for row in frame.value.astype(str).to_dict("records")]
    (prometheus,) = [row for row in rows if row.get("Source") == "prometheus"]
    assert prometheus["Target"] == f"http://[::1]:{port}"
    assert prometheus["Last error"].startswith(f"GET http://[::1]:{port}/api/v1/")
    assert _leaks(page_text(at)) == []
