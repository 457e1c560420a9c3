"""Log templating: mask the variable parts of a message and count templates in a window against a baseline.

A template is the first line of a message with ids, addresses, numbers, durations and quoted strings
replaced by ``<*>``; its id is the first 12 hex digits of the template's SHA-1, so the same pattern keeps
its id across polls and restarts. The grouping is exact-template for now (a drain3-style miner can replace
it behind ``template_of`` and ``summarize``).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from core.models import LogEvent, LogPattern

WILDCARD = "<*>"
MAX_LINE_CHARS = 2_000  # longer messages are cut before masking (bounded cost per line)
MAX_EXAMPLE_CHARS = 500
MAX_TEMPLATES = 5_000  # distinct templates kept per summary; later new templates are not counted
SURGE_MIN = 3.0  # window rate / baseline rate from which a known pattern counts as surging
EXCESS_MIN = 1.5  # and its excess over the baseline's prediction, in Poisson standard deviations

LEVEL_RANK: dict[str, int] = {"ERROR": 0, "CRITICAL": 0, "FATAL": 0, "WARN": 1, "WARNING": 1, "INFO": 2, "DEBUG": 3}

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_QUOTED = re.compile(r"\"[^\"\n]{0,400}\"|(?<!\w)'[^'\n]{0,400}'(?!\w)")
_MAYBE_VARIABLE = re.compile(r"[\d=:]")  # only tokens with a digit, '=' or ':' go through _VARIABLE
_ID_KEYS = ("id", "key", "token", "trace", "span", "session", "request", "user")
_TIME_UNITS = ("ns", "us", "µs", "ms", "s", "sec", "secs", "seconds", "m", "min", "mins", "minutes", "h", "hr", "hours")
_UNITS = frozenset((*_TIME_UNITS, "B", "KB", "MB", "GB", "TB", "KiB", "MiB", "GiB", "bytes", "%"))
_TRAILING = ",.;:)]}"

# Alternatives tried per token; order matters (specific shapes before the generic number).
_SHAPES = (
    r"(?P<ts>\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?)",
    r"(?P<uuid>\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b)",
    r"(?P<kv>(?<![\w.-])(?P<key>[A-Za-z_][\w.-]*)(?P<sep>[=:])(?P<val>[^\s,;)\]:'\"]+(?::[^\s,;)\]:'\"]+)*))",
    r"(?P<ipv4>(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?(?![\w.]))",
    r"(?P<ipv6>(?<![\w:.])\[?(?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4}\]?(?::\d{1,5})?(?![\w:]))",
    r"(?P<hex>\b0x[0-9a-fA-F]+\b|(?<![A-Za-z0-9])(?=[a-fA-F]*\d)[0-9a-fA-F]{6,}(?![A-Za-z0-9]))",
    r"(?P<token>\b[A-Za-z0-9_-]{20,}\b)",
    r"(?P<duration>(?<![\w.])[-+]?\d+(?:\.\d+)?(?:ns|us|µs|ms|s|sec|m|min|h|B|KB|MB|GB|KiB|MiB|GiB|%)(?!\w))",
    r"(?P<num>(?<![A-Za-z_\d])[-+]?\d+(?:[.,]\d+)*(?!\d))",
)
_VARIABLE = re.compile("|".join(_SHAPES))
_VALUE_VARIABLE = re.compile("|".join(shape for shape in _SHAPES if "?P<kv>" not in shape))
_REPEATED_WILDCARD = re.compile(r"(?:<\*>){2,}")


def _replace(match: re.Match[str]) -> str:
    if match.lastgroup == "kv":
        key, sep, value = match.group("key"), match.group("sep"), match.group("val")
        if key.lower().endswith(_ID_KEYS):
            return f"{key}{sep}{WILDCARD}"
        return key + sep + _VALUE_VARIABLE.sub(_replace, value)
    if match.lastgroup == "token":
        token = match.group(0)
        has_digit = any(ch.isdigit() for ch in token)
        return WILDCARD if has_digit and any(ch.isalpha() for ch in token) else token
    return WILDCARD


def _mask_tokens(line: str) -> str:
    out: list[str] = []
    after_wildcard = False
    for token in line.split():
        if token.isdigit():
            token = WILDCARD
        elif _MAYBE_VARIABLE.search(token):
            token = _VARIABLE.sub(_replace, token)
            if WILDCARD + WILDCARD in token:
                token = _REPEATED_WILDCARD.sub(WILDCARD, token)
        elif after_wildcard and token.rstrip(_TRAILING) in _UNITS:
            # "2000 ms" and "2000ms" are the same template: fold the unit into the wildcard.
            out[-1] += token[len(token.rstrip(_TRAILING)) :]
            after_wildcard = False
            continue
        out.append(token)
        after_wildcard = token.endswith(WILDCARD)
    return " ".join(out)


def first_line(message: str) -> str:
    """The first non-empty line of ``message``, cut to ``MAX_LINE_CHARS`` characters."""
    text = message[: MAX_LINE_CHARS * 2]
    for line in text.splitlines():
        if line.strip():
            return line[:MAX_LINE_CHARS]
    return ""


def mask(message: str) -> str:
    """The template of ``message``: first line, control characters removed, variable parts as ``<*>``."""
    return _mask_line(first_line(message))


@lru_cache(maxsize=4_096)  # keyed by the cut first line, so a hostile message cannot bloat the cache
def _mask_line(line: str) -> str:
    line = _CONTROL.sub(" ", line)
    if '"' in line or "'" in line:
        line = _QUOTED.sub(WILDCARD, line)
    return _mask_tokens(line)[:MAX_LINE_CHARS]


@lru_cache(maxsize=4_096)
def template_id(template: str) -> str:
    """Stable id of a template: the first 12 hex digits of its SHA-1."""
    return hashlib.sha1(template.encode("utf-8", "replace"), usedforsecurity=False).hexdigest()[:12]


def template_of(message: str) -> tuple[str, str]:
    """``(template_id, template)`` of one log message."""
    template = mask(message)
    return template_id(template), template


def surge_score(count: int, baseline_count: int, window_seconds: float, baseline_seconds: float) -> float:
    """How far a window count exceeds what the baseline rate predicts, in Poisson standard deviations."""
    expected = baseline_count * max(window_seconds, 1.0) / max(baseline_seconds, 1.0)
    return (count - expected) / math.sqrt(expected + 1.0)


def surge_ratio(count: int, baseline_count: int, window_seconds: float, baseline_seconds: float) -> float:
    """Window rate over baseline rate (an empty baseline counts as one line), dimensionless."""
    window_rate = count / max(window_seconds, 1.0)
    baseline_rate = max(baseline_count, 1) / max(baseline_seconds, 1.0)
    return window_rate / baseline_rate


@dataclass(slots=True)
class _Group:
    template: str
    count: int = 0
    baseline_count: int = 0
    first_seen: float = math.inf
    level: str = "DEBUG"
    example: str = ""
    service_counts: dict[str, int] = field(default_factory=dict)


def _normal_level(level: str) -> str:
    upper = str(level or "INFO").strip().upper()
    if upper == "WARNING":
        return "WARN"
    if upper in ("CRITICAL", "FATAL"):
        return "ERROR"
    return upper if upper in LEVEL_RANK else "INFO"


def _count(
    events: Iterable[LogEvent], window: tuple[float, float], baseline: tuple[float, float], max_templates: int
) -> dict[str, _Group]:
    groups: dict[str, _Group] = {}
    for event in events:
        in_window = window[0] <= event.ts <= window[1]
        if not in_window and not baseline[0] <= event.ts < baseline[1]:
            continue
        tid, template = template_of(event.message)
        group = groups.get(tid)
        if group is None:
            if len(groups) >= max_templates:
                continue
            group = groups[tid] = _Group(template=template)
        if not in_window:
            group.baseline_count += 1
            continue
        group.count += 1
        group.service_counts[event.service] = group.service_counts.get(event.service, 0) + 1
        level = _normal_level(event.level)
        if LEVEL_RANK[level] < LEVEL_RANK[group.level]:
            group.level = level
        if event.ts < group.first_seen:
            group.first_seen = event.ts
            group.example = _CONTROL.sub(" ", first_line(event.message)[:MAX_EXAMPLE_CHARS])
    return groups


def summarize(
    events: Iterable[LogEvent],
    window_start: float,
    window_end: float,
    baseline_start: float,
    baseline_end: float,
    max_templates: int = MAX_TEMPLATES,
) -> list[LogPattern]:
    """Templates seen in ``[window_start, window_end]`` with their baseline counts (``[baseline_start,
    baseline_end)``), error/warn first, then by surge score. ``first_seen`` is the first window line."""
    window_seconds = max(window_end - window_start, 1.0)
    baseline_seconds = max(baseline_end - baseline_start, 1.0)
    groups = _count(events, (window_start, window_end), (baseline_start, baseline_end), max_templates)
    patterns = [
        LogPattern(
            template_id=tid,
            template=group.template,
            level=group.level,
            services=sorted(group.service_counts),
            service_counts=dict(sorted(group.service_counts.items())),
            count=group.count,
            baseline_count=group.baseline_count,
            first_seen=group.first_seen,
            is_new=group.baseline_count == 0,
            surge=round(surge_ratio(group.count, group.baseline_count, window_seconds, baseline_seconds), 3),
            example=group.example,
        )
        for tid, group in groups.items()
        if group.count > 0
    ]

    def order(pattern: LogPattern) -> tuple[int, float, int, str]:
        score = surge_score(pattern.count, pattern.baseline_count, window_seconds, baseline_seconds)
        return (min(LEVEL_RANK[pattern.level], 2), -score, -pattern.count, pattern.template_id)

    return sorted(patterns, key=order)


def excess(pattern: LogPattern) -> float:
    """Window count above what the baseline rate predicts, in Poisson standard deviations."""
    expected = 0.0 if pattern.is_new or pattern.surge <= 0 else pattern.count / pattern.surge
    return (pattern.count - expected) / math.sqrt(expected + 1.0)


def is_surging(pattern: LogPattern) -> bool:
    """True for a pattern absent from the baseline or ``SURGE_MIN`` times more frequent, and not by chance
    (one new line is not a surge)."""
    return (pattern.is_new or pattern.surge >= SURGE_MIN) and excess(pattern) >= EXCESS_MIN
