"""Log levels as the pattern logic reads them: one spelling per level, and which ones are errors."""

from __future__ import annotations

ERROR_LEVELS = frozenset(("ERROR", "CRITICAL", "FATAL"))
LEVEL_RANK: dict[str, int] = {"ERROR": 0, "CRITICAL": 0, "FATAL": 0, "WARN": 1, "WARNING": 1, "INFO": 2, "DEBUG": 3}


def normal_level(level: str) -> str:
    """``ERROR``, ``WARN``, ``INFO`` or ``DEBUG`` for any spelling (CRITICAL/FATAL are errors; unknown is INFO)."""
    upper = str(level or "INFO").strip().upper()
    if upper == "WARNING":
        return "WARN"
    if upper in ("CRITICAL", "FATAL"):
        return "ERROR"
    return upper if upper in LEVEL_RANK else "INFO"


def is_error(level: str) -> bool:
    """True for ERROR, CRITICAL and FATAL in any case."""
    return str(level).upper() in ERROR_LEVELS
