"""The Status page in Prometheus mode shows what discovery found: the edges with their origins, the signals
each service has and those it lacks (listed as missing, never as zero)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import MAIN
from tests.sources.fake_http import FakeServer, serve
from tests.sources.test_presets import _prometheus


@pytest.fixture
def fake_prometheus() -> Iterator[FakeServer]:
    with serve(_prometheus) as server:
        yield server


def test_status_page_shows_graph_origins_and_missing_signals(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, fake_prometheus: FakeServer
) -> None:
    monkeypatch.setenv("DATA_MODE", "prometheus_loki")
    monkeypatch.setenv("PROMETHEUS_URL", fake_prometheus.url)
    app = AppTest.from_file(str(MAIN), default_timeout=30)
    app.run()
    from app.runtime import get_runtime

    get_runtime().monitor.tick()
    app.switch_page("../pages/status.py").run()
    assert not app.exception, app.exception
    assert any(s.value == "Prometheus discovery" for s in app.subheader)
    rows = [row for frame in app.dataframe for row in frame.value.astype(str).to_dict("records")]
    assert {"Caller": "b", "Callee": "c", "From": "istio"} in rows
    (c_row,) = [row for row in rows if row.get("Service") == "c"]
    assert "request_rate (istio)" in c_row["Found"] and "cpu_percent" in c_row["Missing"]
    assert any("No preset found metrics for" in info.value and "cpu_percent" in info.value for info in app.info)
