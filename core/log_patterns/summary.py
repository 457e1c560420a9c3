"""Log patterns of an incident window: mine templates, count each in the window against the baseline.

Templates come from the streaming miner in ``core.logmining`` (masking plus a Drain-like grouping). With a
shared, persisted miner (the runtime's), the same pattern keeps its id across polls, restarts and
incidents, and "new" means never seen before the baseline; without one, a fresh miner groups the lines
given (two passes: mine everything, then count by each line's final cluster).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from core.log_patterns.levels import LEVEL_RANK, normal_level
from core.log_patterns.surge import excess, expected_count, surge
from core.logmining.masking import clean, mask
from core.logmining.miner import Cluster, TemplateMiner, template_id
from core.models import LogEvent, LogPattern

MAX_EXAMPLE_CHARS = 500
MAX_TEMPLATES = 5_000  # distinct templates kept per summary; later new templates are not counted


def first_line(message: str) -> str:
    """The first non-empty line of ``message``, control characters as spaces, cut to ``MAX_LINE_CHARS``."""
    return clean(message)


def template_of(message: str) -> tuple[str, str]:
    """``(template_id, masked message)`` of one message on its own, before any grouping with others."""
    masked = mask(message)
    return template_id(masked), masked


@dataclass(slots=True)
class _Group:
    template: str
    count: int = 0
    baseline_count: int = 0
    first_seen: float = math.inf
    ever_seen: float = math.inf
    level: str = "DEBUG"
    example: str = ""
    service_counts: dict[str, int] = field(default_factory=dict)


def _count(
    events: Iterable[LogEvent],
    window: tuple[float, float],
    baseline: tuple[float, float],
    max_templates: int,
    miner: TemplateMiner,
) -> dict[str, _Group]:
    placed: list[tuple[LogEvent, Cluster, bool]] = []
    for event in events:
        in_window = window[0] <= event.ts <= window[1]
        if in_window or baseline[0] <= event.ts < baseline[1]:
            placed.append((event, miner.add(event.message, event.ts, count=False), in_window))
    groups: dict[str, _Group] = {}
    current: dict[str, Cluster] = {}  # cluster id at placing -> the cluster it belongs to now
    for event, placed_in, in_window in placed:
        cluster = current.get(placed_in.id)
        if cluster is None:  # the miner may have merged clusters since (or evicted one: keep it as it was)
            cluster = current[placed_in.id] = miner.get(placed_in.id) or placed_in
        group = groups.get(cluster.id)
        if group is None:
            if len(groups) >= max_templates:
                continue
            group = groups[cluster.id] = _Group(template=cluster.template, ever_seen=cluster.first_seen)
        if not in_window:
            group.baseline_count += 1
            continue
        group.count += 1
        group.service_counts[event.service] = group.service_counts.get(event.service, 0) + 1
        level = normal_level(event.level)
        if LEVEL_RANK[level] < LEVEL_RANK[group.level]:
            group.level = level
        if event.ts < group.first_seen:
            group.first_seen = event.ts
            group.example = first_line(event.message)[:MAX_EXAMPLE_CHARS]
    return groups


def summarize(
    events: Iterable[LogEvent],
    window_start: float,
    window_end: float,
    baseline_start: float,
    baseline_end: float,
    max_templates: int = MAX_TEMPLATES,
    miner: TemplateMiner | None = None,
    baseline_seconds: float | None = None,
) -> list[LogPattern]:
    """Templates seen in ``[window_start, window_end]`` with their baseline counts (``[baseline_start,
    baseline_end)``), error/warn first, then by surge score. ``first_seen`` is the first window line,
    ``template_first_seen`` the first line the miner ever saw (earlier than the baseline with a shared,
    persisted ``miner``); a pattern is new when the miner never saw it before the window.
    ``events`` are mined into ``miner`` (a fresh one when None) without counting them again. ``baseline_seconds``
    is the baseline's length when spans of it were left out (the events in them must be left out too)."""
    window_seconds = max(window_end - window_start, 1.0)
    baseline_seconds = max(baseline_end - baseline_start if baseline_seconds is None else baseline_seconds, 1.0)
    groups = _count(
        events,
        (window_start, window_end),
        (baseline_start, baseline_end),
        max_templates,
        miner if miner is not None else TemplateMiner(),
    )
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
            template_first_seen=min(group.ever_seen, group.first_seen),
            is_new=group.baseline_count == 0 and group.ever_seen >= window_start,
            surge=round(surge(group.count, group.baseline_count, window_seconds, baseline_seconds), 3),
            example=group.example,
        )
        for tid, group in groups.items()
        if group.count > 0
    ]

    def order(pattern: LogPattern) -> tuple[int, float, int, str]:
        score = excess(pattern.count, expected_count(pattern.baseline_count, window_seconds, baseline_seconds))
        return (min(LEVEL_RANK[pattern.level], 2), -score, -pattern.count, pattern.template_id)

    return sorted(patterns, key=order)
