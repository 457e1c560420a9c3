"""Scores of the RCA benchmark from its result rows: accuracy, calibration, false incidents and delays.

A row is one simulation as ``run_one`` returns it: the injected faults and, per incident, the detection
delay and the ranked hypotheses ``(service, kind, confidence)``. All functions here are pure.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Cause = tuple[str, str]  # (service, kind)
GroupScores = tuple[list[float], list[bool]]  # the scores of one competing group, and which are right


@dataclass(frozen=True, slots=True)
class Bin:
    """One confidence bin of the calibration table."""

    low: float
    high: float
    count: int
    mean_confidence: float
    accuracy: float


def injected(row: dict) -> set[Cause]:
    return {(f["target"], f["type"]) for f in row["faults"]}


def ranked(row: dict) -> list[Cause]:
    """Hypotheses of the first incident, best first (empty without an incident or a cause)."""
    if not row["incidents"]:
        return []
    return [(h["service"], h["kind"]) for h in row["incidents"][0]["root_causes"]]


def hit(row: dict, k: int, *, service_level: bool = False) -> bool:
    """True when every injected fault is among the first ``k`` hypotheses of some incident of the run."""
    wanted = injected(row)
    found: set[Cause] = set()
    for incident in row["incidents"]:
        found |= {(h["service"], h["kind"]) for h in incident["root_causes"][:k]}
    if service_level:
        return {svc for svc, _ in wanted} <= {svc for svc, _ in found}
    return wanted <= found


def top1(row: dict, *, service_level: bool = False) -> bool:
    """True when the first incident's first hypothesis names the (single) injected fault."""
    first = ranked(row)[:1]
    if not first:
        return False
    if service_level:
        return first[0][0] in {svc for svc, _ in injected(row)}
    return first[0] in injected(row)


def statements(rows: Iterable[dict]) -> list[tuple[float, bool]]:
    """(confidence, right) for every hypothesis stated in any incident of any run."""
    out = []
    for row in rows:
        truth = injected(row)
        for incident in row["incidents"]:
            out.extend((h["confidence"], (h["service"], h["kind"]) in truth) for h in incident["root_causes"])
    return out


def score_groups(rows: Iterable[dict]) -> tuple[list[GroupScores], list[GroupScores]]:
    """(main, additional) competing groups of every incident: each the scores of its stated hypotheses and
    whether each is right, for fitting ``core.agents.calibration``."""
    main: list[GroupScores] = []
    additional: list[GroupScores] = []
    for row in rows:
        truth = injected(row)
        for incident in row["incidents"]:
            grouped: dict[int, list[tuple[float, bool]]] = defaultdict(list)
            for h in incident["root_causes"]:
                if h.get("score") is not None:
                    grouped[h.get("group") or 0].append((h["score"], (h["service"], h["kind"]) in truth))
            for group, members in grouped.items():
                (main if group == 0 else additional).append(([s for s, _ in members], [r for _, r in members]))
    return main, additional


def calibration(points: Sequence[tuple[float, bool]], bins: int = 10) -> tuple[list[Bin], float]:
    """Equal-width confidence bins and the expected calibration error (count-weighted |accuracy − conf|)."""
    grouped: dict[int, list[tuple[float, bool]]] = defaultdict(list)
    for confidence, right in points:
        grouped[min(int(confidence * bins), bins - 1)].append((confidence, right))
    table, ece = [], 0.0
    for index in sorted(grouped):
        members = grouped[index]
        mean_conf = sum(c for c, _ in members) / len(members)
        accuracy = sum(r for _, r in members) / len(members)
        table.append(Bin(index / bins, (index + 1) / bins, len(members), mean_conf, accuracy))
        ece += len(members) * abs(accuracy - mean_conf)
    return table, ece / len(points) if points else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` (0..100) percentile by linear interpolation; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def delays(rows: Iterable[dict]) -> list[float]:
    """Detection delay of every run with a fault that opened an incident (its first one that explains a fault)."""
    found = []
    for row in rows:
        explained = [i["detection_delay_s"] for i in row["incidents"] if i["detection_delay_s"] is not None]
        if row["faults"] and explained:
            found.append(explained[0])
    return found


def false_incidents_per_day(rows: Sequence[dict]) -> tuple[int, float, float]:
    """(incidents, simulated days, incidents per day) over fault-free runs."""
    days = sum(row["duration"] + row["warmup"] for row in rows) / 86400
    count = sum(len(row["incidents"]) for row in rows)
    return count, days, count / days if days else math.nan
