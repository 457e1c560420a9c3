"""Log files followed like ``tail -F`` on real temporary files: rotation, truncation, partial lines."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from core.sources.log_files import LogFileSource

NOW = 1_700_000_000.0


def append(path: Path, text: str | bytes) -> None:
    with open(path, "ab") as handle:
        handle.write(text.encode() if isinstance(text, str) else text)


def messages(source: LogFileSource, now: float = NOW) -> list[str]:
    return [event.message for event in source.fetch(now)]


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "app.log"
    path.write_text("")
    return path


def test_reads_only_new_complete_lines(log: Path) -> None:
    source = LogFileSource([str(log)], "app", from_start=True)
    append(log, "one\ntwo\nthr")
    assert messages(source) == ["one", "two"]
    assert messages(source) == []
    append(log, "ee\nfour\n")
    assert messages(source) == ["three", "four"]


def test_existing_content_is_skipped_unless_from_start(log: Path) -> None:
    append(log, "old line\n")
    source = LogFileSource([str(log)], "app")
    assert messages(source) == []
    append(log, "new line\n")
    assert messages(source) == ["new line"]


def test_rename_and_recreate_finishes_the_old_file_first(log: Path) -> None:
    source = LogFileSource([str(log)], "app", from_start=True)
    append(log, "a1\n")
    assert messages(source) == ["a1"]
    append(log, "a2\na3-partial")
    os.rename(log, log.with_name("app.log.1"))  # logrotate's default "create" mode
    append(log, "b1\n")
    assert messages(source) == ["a2", "a3-partial", "b1"]
    append(log, "b2\n")
    assert messages(source) == ["b2"]


def test_rotation_to_a_name_that_still_matches_the_glob_is_not_read_twice(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    append(log, "")
    source = LogFileSource([str(tmp_path / "app.log*")], "app", from_start=True)
    append(log, "a1\n")
    assert messages(source) == ["a1"]
    append(log, "a2\n")
    os.rename(log, tmp_path / "app.log.1")
    append(log, "b1\n")
    assert messages(source) == ["a2", "b1"]
    append(tmp_path / "app.log.1", "a3, late write by the old handle\n")
    append(log, "b2\n")
    assert messages(source) == ["b2", "a3, late write by the old handle"]


def test_copytruncate_rereads_from_the_start(log: Path) -> None:
    source = LogFileSource([str(log)], "app", from_start=True)
    append(log, "before rotation, a long line\n")
    assert len(messages(source)) == 1
    with open(log, "r+b") as handle:  # logrotate's copytruncate: same inode, size 0
        handle.truncate(0)
    append(log, "after\n")
    assert messages(source) == ["after"]


def test_deleted_file_is_dropped_and_new_files_are_picked_up(tmp_path: Path) -> None:
    first = tmp_path / "a.log"
    append(first, "")
    source = LogFileSource([str(tmp_path / "*.log")], "app", from_start=True)
    assert messages(source) == []
    first.unlink()
    second = tmp_path / "b.log"
    append(second, "hello from b\n")
    assert messages(source) == ["hello from b"]
    assert messages(source) == []


def test_json_lines_and_plain_text_fields(log: Path) -> None:
    source = LogFileSource([str(log)], "fallback", from_start=True)
    append(log, json.dumps({"ts": 1700000001.5, "service": "checkout", "level": "warning", "msg": "slow", "id": 7}))
    append(log, "\n2024-05-01T10:00:00.250Z ERROR db connection refused\n")
    append(log, "no timestamp, no level\n")
    append(log, json.dumps({"timestamp": "2024-05-01T10:00:01+02:00", "message": "iso", "severity": "CRITICAL"}) + "\n")
    events = source.fetch(NOW)
    assert [(e.service, e.level, e.message) for e in events] == [
        ("checkout", "WARN", "slow"),
        ("fallback", "ERROR", "2024-05-01T10:00:00.250Z ERROR db connection refused"),
        ("fallback", "INFO", "no timestamp, no level"),
        ("fallback", "ERROR", "iso"),
    ]
    assert events[0].ts == 1700000001.5 and events[0].attrs == {"id": "7"}
    assert events[1].ts == pytest.approx(1714557600.25)
    assert events[2].ts == NOW
    assert events[3].ts == pytest.approx(1714557601.0 - 7200)


def test_binary_and_huge_lines_never_crash(log: Path) -> None:
    source = LogFileSource([str(log)], "app", from_start=True, max_line_bytes=100)
    append(log, b"\xff\xfe\x00binary\x80 ERROR\n")
    append(log, b"x" * 250 + b"\n")
    append(log, b"y" * 150)  # a long partial line: capped now, its rest dropped when it ends
    events = source.fetch(NOW)
    append(log, b"yyy\nafter\n")
    events += source.fetch(NOW)
    assert events[0].message.startswith("\ufffd\ufffd\x00binary\ufffd") and events[0].level == "ERROR"
    assert [len(e.message) for e in events[1:]] == [100, 100, 5]
    assert events[-1].message == "after"
    append(log, '{"ts": "garbage", "level": 5, "message": ["x"]}\n{not json\n')
    odd = source.fetch(NOW)
    assert [e.ts for e in odd] == [NOW, NOW] and odd[1].message == "{not json"


def test_crlf_and_blank_lines(log: Path) -> None:
    source = LogFileSource([str(log)], "app", from_start=True)
    append(log, "one\r\n\r\n\ntwo\r\n")
    assert messages(source) == ["one", "two"]


def test_no_globs_is_refused() -> None:
    with pytest.raises(ValueError, match="glob"):
        LogFileSource([], "app")
