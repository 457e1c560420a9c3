"""Log files followed like ``tail -F``: globs of JSON-lines or plain-text files, rotation included.

Each followed file keeps an open handle, its identity (device, inode) and a byte offset. On each poll:

- new files matching the globs are opened (from their start; files present at the first poll from
  their end unless ``from_start``);
- a path that now names another inode (rename + recreate) or is gone: the old handle is read to its
  end first, wherever the file was renamed to, then the new file is read from its start;
- a file shorter than the offset (copytruncate) is read again from its start;
- only complete lines are returned; a partial last line waits for its newline (it is flushed only
  when its file is rotated away). Lines are decoded with replacement characters and capped in length.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field
from typing import BinaryIO

from core.errors import SourceError
from core.models import LogEvent
from core.sources.log_lines import parse_line

MAX_LINE_BYTES = 64 * 1024
MAX_READ_BYTES = 8 * 1024 * 1024  # per file and poll; the rest is read on the next poll


@dataclass
class _Followed:
    handle: BinaryIO
    identity: tuple[int, int]
    offset: int = 0
    partial: bytearray = field(default_factory=bytearray)
    discarding: bool = False  # inside an over-long line, dropping bytes until its newline


def split_lines(state: _Followed, chunk: bytes, *, max_line: int = MAX_LINE_BYTES) -> list[bytes]:
    """Complete lines of ``state.partial + chunk``; the unfinished tail stays in ``state.partial`` (pure)."""
    lines: list[bytes] = []
    pieces = chunk.split(b"\n")
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        if state.discarding:
            if not last:
                state.discarding = False
            continue
        state.partial += piece
        if len(state.partial) > max_line:
            lines.append(bytes(state.partial[:max_line]))
            state.partial.clear()
            state.discarding = last  # the rest of this long line has not arrived yet
            continue
        if not last:
            lines.append(bytes(state.partial))
            state.partial.clear()
    return lines


class LogFileSource:
    """Follows every file that matches ``globs``; lines without a service get ``default_service``."""

    name = "log files"

    def __init__(
        self,
        globs: list[str],
        default_service: str,
        *,
        from_start: bool = False,
        max_line_bytes: int = MAX_LINE_BYTES,
    ) -> None:
        if not globs or not all(pattern.strip() for pattern in globs):
            raise ValueError(f"Give at least one non-empty file glob, got {globs!r}")
        self.globs = list(globs)
        self.default_service = default_service
        self.target = ", ".join(self.globs)
        self.from_start = from_start
        self.max_line_bytes = max_line_bytes
        self._files: dict[str, _Followed] = {}
        self._started = False

    def close(self) -> None:
        """Close every followed file."""
        for state in self._files.values():
            state.handle.close()
        self._files.clear()

    def paths(self) -> list[str]:
        """Regular files matching the globs now, sorted."""
        found = {path for pattern in self.globs for path in glob.glob(os.path.expanduser(pattern), recursive=True)}
        return sorted(path for path in found if os.path.isfile(path))

    def fetch(self, now: float) -> list[LogEvent]:
        """Complete lines written since the previous poll, in file then line order."""
        current = self._identities(self.paths())
        before = {path: state.identity for path, state in self._files.items()}
        raw = self._relocate(current)
        # Renamed files first: their last lines were written before anything in a freshly created file.
        renamed = {path for path, state in self._files.items() if before.get(path) != state.identity}
        for path in sorted(set(self._files) | set(current), key=lambda p: (p not in renamed, p)):
            raw.extend(self._poll(path, at_end=not self._started and not self.from_start))
        self._started = True
        return [self._event(line, now) for line in raw]

    @staticmethod
    def _identities(paths: list[str]) -> dict[str, tuple[int, int]]:
        found: dict[str, tuple[int, int]] = {}
        for path in paths:
            try:
                info = os.stat(path)
            except OSError:
                continue  # gone between glob and stat: seen on the next poll
            found[path] = (info.st_dev, info.st_ino)
        return found

    def _relocate(self, current: dict[str, tuple[int, int]]) -> list[bytes]:
        """Follow files renamed to another matching name (app.log -> app.log.1) instead of rereading them."""
        where: dict[tuple[int, int], str] = {}
        for path, identity in sorted(current.items()):
            where.setdefault(identity, path)
        moved: dict[str, _Followed] = {}
        orphans: list[tuple[str, _Followed]] = []
        for path, state in self._files.items():
            new_path = where.get(state.identity)
            if new_path is None:
                orphans.append((path, state))
            else:
                moved[new_path] = state
        lines: list[bytes] = []
        for path, state in orphans:
            if path in moved:  # its name now belongs to another followed file: finish it here
                lines.extend(self._drain(state, flush=True))
                state.handle.close()
            else:
                moved[path] = state  # gone or replaced: _poll finishes it
        self._files = moved
        return lines

    def _event(self, line: bytes, now: float) -> LogEvent:
        text = line.decode("utf-8", errors="replace").rstrip("\r")
        return parse_line(text, default_ts=now, default_service=self.default_service)

    def _poll(self, path: str, *, at_end: bool) -> list[bytes]:
        state = self._files.get(path)
        try:
            info = os.stat(path)
        except FileNotFoundError:
            info = None
        except OSError as exc:
            raise SourceError(f"stat {path}: {exc.strerror or exc}") from exc
        lines: list[bytes] = []
        if state is not None and (info is None or (info.st_dev, info.st_ino) != state.identity):
            lines.extend(self._drain(state, flush=True))  # rotated away: finish the old file
            state.handle.close()
            del self._files[path]
            state = None
        if info is None:
            return lines
        if state is None:
            state = self._open(path, info, at_end=at_end)
            if state is None:
                return lines
        elif info.st_size < state.offset:  # copytruncate: the same file started again
            state.offset, state.discarding = 0, False
            state.partial.clear()
        lines.extend(self._drain(state, flush=False))
        return lines

    def _open(self, path: str, info: os.stat_result, *, at_end: bool) -> _Followed | None:
        try:
            handle = open(path, "rb")  # noqa: SIM115 - kept open across polls, closed on rotation
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise SourceError(f"open {path}: {exc.strerror or exc}") from exc
        opened = os.fstat(handle.fileno())
        state = _Followed(handle, (opened.st_dev, opened.st_ino), opened.st_size if at_end else 0)
        self._files[path] = state
        return state

    def _drain(self, state: _Followed, *, flush: bool) -> list[bytes]:
        try:
            state.handle.seek(state.offset)
            chunk = state.handle.read(MAX_READ_BYTES)
        except OSError as exc:
            raise SourceError(f"read {state.handle.name}: {exc.strerror or exc}") from exc
        state.offset += len(chunk)
        lines = split_lines(state, chunk, max_line=self.max_line_bytes)
        if flush and state.partial and not state.discarding:
            lines.append(bytes(state.partial))
            state.partial.clear()
        return [line for line in lines if line.strip()]
