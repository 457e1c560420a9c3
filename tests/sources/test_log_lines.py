"""One untrusted line to a LogEvent: JSON or text, timestamps in any unit, levels in any spelling."""

from __future__ import annotations

import pytest

from core.sources.log_lines import level_in_text, normalise_level, parse_line, parse_timestamp


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1700000000, 1700000000.0),
        (1700000000123, 1700000000.123),
        (1700000000123456, 1700000000.123456),
        ("1700000000123456789", 1700000000.123456789),
        ("2023-11-14T22:13:20Z", 1700000000.0),
        ("2023-11-14 22:13:20,500", 1700000000.5),
        ("2023-11-15T00:13:20+02:00", 1700000000.0),
        ("yesterday", None),
        (True, None),
        (-5, None),
        (float("nan"), None),
        (None, None),
    ],
)
def test_timestamps(value: object, expected: float | None) -> None:
    result = parse_timestamp(value)
    assert result == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("ERROR: boom", "ERROR"),
        ("[warn] disk 91%", "WARN"),
        ("level=error msg=x", "ERROR"),
        ("2024-01-01 12:00:00 FATAL out of memory", "ERROR"),
        ("informational text without level word", None),
        ("terror in the errors", None),
    ],
)
def test_level_in_text(text: str, level: str | None) -> None:
    assert level_in_text(text) == level


def test_normalise_level() -> None:
    assert [normalise_level(v) for v in ("warning", " Err ", "trace", "nope", 3)] == [
        "WARN",
        "ERROR",
        "DEBUG",
        None,
        None,
    ]


def test_json_line_without_fields_falls_back() -> None:
    event = parse_line('{"a": 1}', default_ts=5.0, default_service="svc")
    assert (event.ts, event.service, event.level, event.message, dict(event.attrs)) == (
        5.0,
        "svc",
        "INFO",
        '{"a": 1}',
        {"a": "1"},
    )


def test_json_array_is_plain_text() -> None:
    event = parse_line('["ERROR", 1]', default_ts=5.0, default_service="svc")
    assert event.message == '["ERROR", 1]' and event.level == "ERROR"
