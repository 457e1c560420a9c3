"""``python -m core.cli analyze``: root causes from files, JSON output, and one-line errors with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.cli.main import main
from core.offline.sample import generate


@pytest.fixture(scope="module")
def hog_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    sample = generate(7, hog="cpu")
    path = tmp_path_factory.mktemp("analyze") / "shop.csv"
    path.write_bytes(sample.to_csv())
    return path, str(sample.culprit)


def test_text_output_names_the_hogged_service_first(hog_file: tuple[Path, str], capsys, tmp_path: Path) -> None:
    path, culprit = hog_file
    report = tmp_path / "rca.md"
    assert main(["analyze", "--metrics", str(path), "--report", str(report)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "file: shop.csv (12 services, 48 series)"
    first = lines.index("root causes:") + 1
    assert lines[first].startswith(f"  1. cpu on {culprit} (")
    assert lines[first + 1].startswith(f"     - {culprit} cpu rose from")
    assert report.read_text().startswith("# RCA: Offline analysis of shop.csv")


def test_json_output(hog_file: tuple[Path, str], capsys) -> None:
    path, culprit = hog_file
    assert main(["analyze", "--metrics", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    top = data["root_causes"][0]
    assert (top["service"], top["kind"]) == (culprit, "cpu")
    assert all(cause["evidence"] for cause in data["root_causes"])
    assert data["no_cause_reason"] is None
    assert data["window"]["start"] == data["baseline"]["end"]


def test_a_fault_free_file_prints_no_cause_found(tmp_path: Path, capsys) -> None:
    path = tmp_path / "quiet.csv"
    path.write_bytes(generate(4, hog=None).to_csv())
    assert main(["analyze", "--metrics", str(path)]) == 0
    out = capsys.readouterr().out
    assert "root cause: no cause found\n  No cause found: no metric left its baseline" in out
    assert main(["analyze", "--metrics", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["root_causes"] == [] and data["no_cause_reason"].startswith("No cause found")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "error: bad.csv is empty: expected a CSV with a header line and a time column"),
        (b"when,a_cpu\n1,2\n", "error: bad.csv: no time column; expected one named time or timestamp or ts"),
        (b"time,a_cpu\n1,2\n2,oops\n", "error: bad.csv: line 3, column 'a_cpu': 'oops': not a number"),
    ],
    ids=["empty", "no-time", "not-a-number"],
)
def test_bad_input_exits_2_with_one_line(tmp_path: Path, capsys, content: bytes, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    assert main(["analyze", "--metrics", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1


def test_warnings_go_to_stderr(tmp_path: Path, capsys) -> None:
    frame = generate(1, hog="memory").frame
    frame.loc[5, "carts_cpu"] = None
    path = tmp_path / "gaps.csv"
    path.write_bytes(frame.to_csv(index=False).encode())
    assert main(["analyze", "--metrics", str(path)]) == 0
    captured = capsys.readouterr()
    assert (
        "warning: gaps.csv: skipped empty or non-finite cells in 1 column(s): 'carts_cpu' 1 (first at line 7)"
        in captured.err
    )
    assert "root causes:" in captured.out


@pytest.mark.slow
def test_module_entry_point(hog_file: tuple[Path, str], tmp_path: Path) -> None:
    path, culprit = hog_file
    logs = tmp_path / "app.log"
    logs.write_text("2026-01-01T12:00:00Z INFO front-end GET / 200\nno time on this line\n")
    done = subprocess.run(
        [sys.executable, "-m", "core.cli", "analyze", "--metrics", str(path), "--logs", str(logs)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert f"1. cpu on {culprit}" in done.stdout
    assert "left out 1 line(s) without a timestamp" in done.stderr


def _write_shop(folder: Path) -> tuple[Path, Path]:
    """A long CSV where db got slow and its callers with it, and the call graph as an adjacency matrix."""
    start, rows = 1_767_268_800, ["time,service,metric,value"]
    for i in range(30):
        db = 0.005 + 0.001 * (i % 3) + (0.4 if i >= 24 else 0.0)
        for service, value in (("db", db), ("api", 0.05 + db + 0.0005 * (i % 2)), ("web", 0.08 + db)):
            rows.append(f"{start + 300 * i},{service},latency p95,{value:.5f}")
    metrics, graph = folder / "shop.csv", folder / "graph.csv"
    metrics.write_text("\n".join(rows) + "\n")
    graph.write_text(",web,api,db\nweb,0,1,0\napi,0,0,1\ndb,0,0,0\n")
    return metrics, graph


def test_graph_symptom_and_onset(tmp_path: Path, capsys) -> None:
    metrics, graph = _write_shop(tmp_path)
    onset = str(1_767_268_800 + 300 * 24)
    argv = ["analyze", "--metrics", str(metrics), "--graph", str(graph), "--symptom", "web:latency", "--onset", onset]
    assert main([*argv, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["root_causes"][0]["service"], data["root_causes"][0]["kind"]) == ("db", "latency")
    assert data["window"]["start"] == float(onset)
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "1. latency on db (" in out and "baseline 2026-01-01T12:00:00Z to 2026-01-01T14:00:00Z" in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--symptom", "checkout:latency"],
            "error: --symptom 'checkout:latency': no service 'checkout' in the metrics",
        ),
        (
            ["--onset", "yesterday"],
            "error: --onset 'yesterday': expected unix seconds (or milliseconds) or an ISO 8601",
        ),
        (["--onset", "2020-01-01T00:00:00Z"], "error: shop.csv: the onset 2020-01-01T00:00:00Z must fall after"),
        (["--graph", "missing.csv"], "error: missing.csv: cannot read it"),
    ],
    ids=["unknown-service", "bad-onset", "onset-outside", "no-graph-file"],
)
def test_bad_graph_symptom_or_onset_exits_2_with_one_line(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch, extra: list[str], message: str
) -> None:
    metrics, _ = _write_shop(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["analyze", "--metrics", str(metrics), *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1
