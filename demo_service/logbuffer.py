"""A bounded, sequence-numbered log store that readers page through with a cursor."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_CAPACITY = 100_000  # lines kept before the oldest fall out
DEFAULT_LIMIT = 1000
MAX_LIMIT = 10_000

_Entry = tuple[float, str, str, str, Mapping[str, object] | None]


class CursorError(ValueError):
    """A ``since`` cursor or ``limit`` that the buffer cannot honour; the message says why."""


@dataclass(frozen=True, slots=True)
class LogPage:
    """Lines after a cursor: ``cursor`` resumes after the last line, ``dropped`` were lost before."""

    cursor: str
    lines: list[dict[str, object]]
    dropped: int

    def document(self) -> dict[str, object]:
        """The page as served by ``GET /logs``."""
        return {"cursor": self.cursor, "lines": self.lines, "dropped": self.dropped}


def parse_cursor(text: str | None) -> int | None:
    """The sequence number in a ``since`` cursor; None when absent; CursorError when malformed."""
    if text is None:
        return None
    if not text.isdigit() or len(text) > 18:
        raise CursorError(f"'since' must be a cursor returned by /logs (a non-negative integer), got {text!r}")
    return int(text)


def parse_limit(text: str | None) -> int:
    """The page size in ``limit``: DEFAULT_LIMIT when absent; CursorError unless 1..MAX_LIMIT."""
    if text is None:
        return DEFAULT_LIMIT
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise CursorError(f"'limit' must be an integer from 1 to {MAX_LIMIT}, got {text!r}")
    return int(text)


class LogBuffer:
    """Ring buffer of log lines; line ``n`` (1-based) is the n-th line ever appended."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 1:
            raise ValueError(f"a log buffer needs a capacity of at least 1 line, got {capacity}")
        self._capacity = capacity
        self._entries: list[_Entry | None] = [None] * capacity
        self._count = 0

    @property
    def newest(self) -> int:
        """Sequence number of the newest line (0 when empty)."""
        return self._count

    @property
    def oldest(self) -> int:
        """Sequence number of the oldest line still kept (newest + 1 when empty)."""
        return max(1, self._count - self._capacity + 1)

    def append(
        self,
        ts: float,
        service: str,
        level: str,
        message: str,
        attrs: Mapping[str, object] | None = None,
    ) -> None:
        """Store one line; ``ts`` in Unix seconds, ``attrs`` extra JSON fields such as trace_id."""
        self._entries[self._count % self._capacity] = (ts, service, level, message, attrs)
        self._count += 1

    def read(self, since: int | None, limit: int = DEFAULT_LIMIT) -> LogPage:
        """Up to ``limit`` lines after cursor ``since`` (None: from the start of the stream)."""
        after = 0 if since is None else since
        if after > self._count:
            raise CursorError(
                f"cursor {after} is ahead of the newest line {self._count}; the log stream "
                "restarted, read again without 'since'"
            )
        start = max(after + 1, self.oldest)
        end = min(self._count, start + limit - 1)
        lines = [self._line(seq) for seq in range(start, end + 1)]
        cursor = end if lines else after
        return LogPage(cursor=str(cursor), lines=lines, dropped=start - (after + 1))

    def _line(self, seq: int) -> dict[str, object]:
        entry = self._entries[(seq - 1) % self._capacity]
        assert entry is not None, f"line {seq} is inside the kept range but missing"
        ts, service, level, message, attrs = entry
        line: dict[str, object] = {
            "ts": round(ts, 3),
            "service": service,
            "level": level,
            "message": message,
        }
        if attrs:
            for key, value in attrs.items():
                line.setdefault(key, value)
        return line
