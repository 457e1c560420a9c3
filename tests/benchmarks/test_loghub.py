"""The Loghub benchmark on a tiny hand-made corpus: outputs, metrics, and what it refuses."""

import json

import pandas as pd
import pytest

from benchmarks.loghub.__main__ import main
from benchmarks.loghub.metrics import score
from benchmarks.loghub.runner import contents, line_regex

FORMAT = "<Date> <Time> <Level> <Component>: <Content>"
TRUTH = {
    "Connection to <*> timed out after <*> ms": "Connection to {host}:{port} timed out after {ms} ms",
    "Cache warmed in <*> ms": "Cache warmed in {ms} ms",
    "User <*> logged in": "User {user} logged in",
}


def _write_system(root, name: str, lines: int = 60, truth: bool = True) -> list[str]:
    """A system whose lines follow three templates; returns the truth template of each line."""
    users = ["alice", "bob", "carol", "dave", "erin"]
    raw, gold = [], []
    for i in range(lines):
        template, shape = list(TRUTH.items())[i % 3]
        content = shape.format(host=f"10.0.0.{i}", port=8000 + i, ms=i * 7, user=users[i % 5])
        raw.append(f"2024-01-01 12:00:{i % 60:02d} INFO Svc{i % 2}: {content}")
        gold.append(template)
    folder = root / name
    folder.mkdir(parents=True)
    (folder / f"{name}_2k.log").write_text("\r\n".join(raw))
    if truth:
        frame = pd.DataFrame({"LineId": range(1, lines + 1), "Content": [r.split(": ", 1)[1] for r in raw]})
        frame["EventId"] = [f"E{list(TRUTH).index(g)}" for g in gold]
        frame["EventTemplate"] = gold
        frame.to_csv(folder / f"{name}_2k.log_structured_corrected_loghub2.csv", index=False)
    return gold


def _write_corpus(root) -> None:
    _write_system(root, "Alpha")
    _write_system(root, "Beta", truth=False)
    formats = {"Alpha": {"log_format": FORMAT}, "Beta": {"log_format": FORMAT}, "_meta": {}}
    (root / "formats.json").write_text(json.dumps(formats))
    manifest = {"Alpha": {"preferred_groundtruth": "Alpha/Alpha_2k.log_structured_corrected_loghub2.csv"}}
    (root / "manifest.json").write_text(json.dumps(manifest))


def test_benchmark_writes_structured_csvs_and_scores_where_truth_exists(tmp_path, capsys):
    _write_corpus(tmp_path / "data")
    assert main(["--data", str(tmp_path / "data"), "--out", str(tmp_path / "out"), "--repeat", "2"]) == 0
    alpha = pd.read_csv(tmp_path / "out" / "Alpha_structured.csv")
    assert list(alpha.columns) == ["LineId", "Content", "EventId", "EventTemplate"]
    assert len(alpha) == 60 and alpha["EventId"].nunique() == 3
    assert set(alpha["EventTemplate"]) == {
        "Connection to <*> timed out after <*>",
        "Cache warmed in <*>",
        "User <*> logged in",
    }
    assert (tmp_path / "out" / "Beta_structured.csv").exists()
    printed = capsys.readouterr().out
    alpha_row = next(line for line in printed.splitlines() if line.startswith("Alpha"))
    assert alpha_row.split()[4:7] == ["1.000", "1.000", "0.333"]  # GA, FGA, PA (only "User" is word for word)
    assert next(line for line in printed.splitlines() if line.startswith("Beta")).split()[2] == "-"
    assert "lines/s" in printed


def test_a_folder_without_formats_is_refused_clearly(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--data", str(tmp_path), "--out", str(tmp_path / "out")])
    assert exit_info.value.code == 2
    assert "formats.json" in capsys.readouterr().err


def test_content_comes_from_the_log_format_and_unmatched_lines_are_kept(tmp_path):
    path = tmp_path / "x.log"
    path.write_text("2024-01-01 12:00:00 INFO Svc: hello world\r\nno header here\r\n")
    assert contents(path, line_regex(FORMAT)) == ["hello world", "no header here"]
    assert line_regex(r"<Date> \[<Level>\] <Content>").match("d [WARN] x y").group("Level") == "WARN"


@pytest.mark.parametrize(
    ("parsed", "truth", "ga", "fga"),
    [
        (["a", "a", "b", "c"], ["X", "X", "Y", "Z"], 1.0, 1.0),
        (["a", "a", "a", "c"], ["X", "X", "Y", "Z"], 0.25, 0.4),  # one merged group: only Z is right
        (["a", "b", "c", "d"], ["X", "X", "Y", "Z"], 0.5, 2 * 0.5 * (2 / 3) / (0.5 + 2 / 3)),  # X split in two
    ],
    ids=["exact", "over-merged", "split"],
)
def test_grouping_accuracy_and_its_f1(parsed, truth, ga, fga):
    scores = score(parsed, parsed, truth)
    assert scores.ga == pytest.approx(ga) and scores.fga == pytest.approx(fga)


def test_parsing_accuracy_compares_template_strings_and_empty_truth_is_dropped():
    scores = score(["1", "1", "2"], ["x <*>", "x <*>", "y"], ["x <*>", "x <*>", ""])
    assert scores.pa == 1.0 and scores.truth_groups == 1
    with pytest.raises(ValueError, match="differ in length"):
        score(["1"], [], ["x"])


def test_the_held_out_table_names_the_fitted_setting_and_every_system(tmp_path, capsys):
    _write_corpus(tmp_path / "data")
    assert main(["--data", str(tmp_path / "data"), "--out", str(tmp_path / "out"), "--repeat", "1"]) == 0
    printed = capsys.readouterr().out
    assert "fitted setting: min_values" in printed
    held = [line for line in printed.splitlines() if line.startswith("Alpha")][-1].split()
    assert held[1:4] == ["1.000", "4", "1.000"]  # GA all data, value chosen without Alpha (the default), GA held out
