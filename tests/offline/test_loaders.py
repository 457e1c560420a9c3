"""Loading metrics and logs from files: both layouts, every time format, and a clear message for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.offline.loaders import MAX_FILE_BYTES, InputError, load_logs, load_metrics, parse_logs, parse_metrics

WIDE = b"time,carts_cpu,carts_lat_90,carts-db_mem\n100,1,10,200\n105,2,11,201\n110,3,12,202\n"


def _series(frame, service: str, metric: str) -> list[float]:
    rows = frame[(frame["service"] == service) & (frame["metric"] == metric)]
    return rows["value"].tolist()


def test_wide_csv_splits_columns_and_normalises_metrics() -> None:
    loaded = parse_metrics(WIDE, "wide.csv")
    assert loaded.layout == "wide"
    assert set(zip(loaded.frame["service"], loaded.frame["metric"], strict=True)) == {
        ("carts", "cpu"),
        ("carts", "latency_p90"),
        ("carts-db", "memory"),
    }
    assert _series(loaded.frame, "carts", "cpu") == [1.0, 2.0, 3.0]
    assert (loaded.start, loaded.end) == (100.0, 110.0)
    assert loaded.warnings == ()


def test_long_csv_with_millisecond_times() -> None:
    content = b"time,service,metric,value\n1767268800000,carts,cpu_usage,5\n1767268805000,carts,cpu_usage,6\n"
    loaded = parse_metrics(content, "long.csv")
    assert loaded.layout == "long"
    assert loaded.frame["ts"].tolist() == [1767268800.0, 1767268805.0]
    assert loaded.frame["metric"].unique().tolist() == ["cpu"]


def test_iso_times_with_and_without_zone_are_utc() -> None:
    content = b"timestamp,a_cpu\n2026-01-01T12:00:00Z,1\n2026-01-01T12:00:05+00:00,2\n2026-01-01 12:00:10,3\n"
    assert parse_metrics(content, "iso.csv").frame["ts"].tolist() == [1767268800.0, 1767268805.0, 1767268810.0]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty.csv is empty"),
        (b"\n\n", "empty.csv is empty"),
        (b"a_cpu,b_cpu\n1,2\n", "no time column"),
        (b"time,a_cpu\n", "header but no data rows"),
        (b"time,a_cpu\n1,2\n2,abc\n", "line 3, column 'a_cpu': 'abc': not a number"),
        (b"time,a_cpu\n1,2\n2,2\nyesterday,3\n", "line 4, column 'time': 'yesterday'"),
        (b"time,a_cpu\n2026-01-01,2\nnoon,3\n", "line 3, column 'time': 'noon': cannot read it"),
        (b"time,a_cpu\n1,2,3\n", "more fields than the header"),
        (b"time,a_cpu\n1,2\n2,3,4\n", "not a readable CSV"),
        (b"time,cpu,mem\n1,2,3\n", "no numeric samples"),
        (b"time,service,metric,value\n1,,cpu,3\n", "line 2, column 'service'"),
    ],
    ids=[
        "empty",
        "blank",
        "no-time",
        "no-rows",
        "text-value",
        "bad-epoch",
        "bad-iso",
        "extra-field",
        "ragged",
        "no-series",
        "no-service",
    ],
)
def test_bad_input_names_file_line_and_column(content: bytes, message: str) -> None:
    with pytest.raises(InputError, match="empty.csv|" + message) as info:
        parse_metrics(content, "empty.csv")
    assert message in str(info.value)


def test_missing_values_unsorted_and_repeated_times_are_repaired_with_warnings() -> None:
    content = b"time,a_cpu,a_mem,notes\n10,1,NaN,x\n5,2,,y\n5,3,7,z\n15,inf,8,w\n"
    loaded = parse_metrics(content, "messy.csv")
    assert _series(loaded.frame, "a", "cpu") == [3.0, 1.0]  # sorted; the last row of time 5 kept; inf left out
    assert _series(loaded.frame, "a", "memory") == [7.0, 8.0]
    text = " | ".join(loaded.warnings)
    assert "ignored 1 column(s): 'notes'" in text
    assert "'a_mem' 2 (first at line 2)" in text
    assert "not in time order" in text
    assert "repeated samples" in text


def test_a_file_over_the_cap_is_refused_without_reading_it(tmp_path: Path) -> None:
    big = tmp_path / "huge.csv"
    with big.open("wb") as f:
        f.truncate(200_000_000)  # sparse: 200 MB on paper, nothing on disk
    with pytest.raises(InputError, match=r"huge.csv is 200 MB, over the 64 MB limit"):
        load_metrics(big)
    with pytest.raises(InputError, match="over the"):
        parse_metrics(b"x" * (MAX_FILE_BYTES + 1), "upload.csv")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read it"):
        load_metrics(tmp_path / "nope.csv")


def test_logs_plain_text_and_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    lines = [
        "2026-01-01T12:00:00Z ERROR carts: connection refused",
        json.dumps({"ts": 1767268805, "service": "orders", "level": "warning", "msg": "slow call"}),
        "no timestamp here",
        "",
    ]
    path.write_text("\n".join(lines))
    events, notes = load_logs(path, default_service="carts")
    assert [(e.ts, e.service, e.level) for e in events] == [
        (1767268800.0, "carts", "ERROR"),
        (1767268805.0, "orders", "WARN"),
    ]
    assert notes == [
        "app.log: left out 1 line(s) without a timestamp (first: line 3); offline analysis needs a time on each line"
    ]


def test_logs_without_any_timestamp_are_refused() -> None:
    with pytest.raises(InputError, match="no log line with a timestamp"):
        parse_logs(b"hello\nworld\n", "plain.log")
