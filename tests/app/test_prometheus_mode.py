"""Every page in DATA_MODE=prometheus_loki with Prometheus down and no demo service: clear messages, no crash."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import MAIN
from tests.app.test_pages import PAGES


@pytest.fixture
def prometheus_app(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("DATA_MODE", "prometheus_loki")
    monkeypatch.setenv("PROMETHEUS_URL", "http://127.0.0.1:9")  # nothing listens there
    return AppTest.from_file(str(MAIN), default_timeout=30)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.rsplit("/", 1)[-1])
def test_pages_render_without_the_demo_service(prometheus_app: AppTest, page: str) -> None:
    prometheus_app.run()
    prometheus_app.switch_page(page).run()
    assert not prometheus_app.exception, prometheus_app.exception


def test_fault_page_says_what_to_configure(prometheus_app: AppTest) -> None:
    prometheus_app.run()
    prometheus_app.switch_page("../pages/faults.py").run()
    assert any("DEMO_SERVICE_URL" in error.value for error in prometheus_app.error)


def test_status_page_shows_the_failing_source_with_its_error(prometheus_app: AppTest) -> None:
    from app.runtime import get_runtime

    runtime = get_runtime()
    runtime.monitor.tick()  # one poll against the absent Prometheus
    prometheus_app.run()
    prometheus_app.switch_page("../pages/status.py").run()
    frames = [frame.value for frame in prometheus_app.dataframe]
    rows = [row for frame in frames for row in frame.astype(str).to_dict("records") if "prometheus" in row.values()]
    assert rows, frames
    assert any("127.0.0.1:9" in value for value in rows[0].values()), rows[0]
