"""Scores of the sessions benchmark, fault by fault, from result rows (pure).

A row is one session: its faults (``id``, ``type``, ``target``, ``started_at``) and its incidents, each with
the ids of the faults it explains (``core.simulation.explained_faults``), its detection time and the ranked
causes of its first and its final analysis. A fault is

- **own** when it is the earliest fault of an incident: that incident's first and final top cause are
  scored against it, and its detection delay counts;
- **merged** when it only shows in an incident that an earlier fault opened (it got no analysis of its own);
- **split** when two or more incidents explain it;
- **missed** when no incident explains it.

Top-1 is over every fault of every session: a merged or missed fault is not named right.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks.rca.scoring import percentile


@dataclass(frozen=True, slots=True)
class FaultScore:
    """What happened to one injected fault of one session."""

    seed: int
    kind: str
    target: str
    intensity: float
    incidents: int  # incidents that explain it
    own: bool
    first_right: bool
    final_right: bool
    delay: float | None  # detection delay when ``own``
    first_named: str  # the first analysis' top cause, "kind@service" ("-" for none)
    final_named: str
    promised: float | None = None  # the Fault injection page's "at most" delay for it (None: "may take minutes")

    @property
    def merged(self) -> bool:
        """Explained only by incidents an earlier fault opened."""
        return self.incidents > 0 and not self.own

    @property
    def split(self) -> bool:
        """Explained by two or more incidents."""
        return self.incidents > 1


def _top(causes: Sequence[dict]) -> tuple[str, str] | None:
    return (causes[0]["service"], causes[0]["kind"]) if causes else None


def _named(cause: tuple[str, str] | None) -> str:
    return f"{cause[1]}@{cause[0]}" if cause else "-"


def score_faults(row: dict) -> list[FaultScore]:
    """One ``FaultScore`` per fault of the session ``row``."""
    starts = {f["id"]: f["started_at"] for f in row["faults"]}
    owner: dict[str, dict] = {}  # fault id -> the incident it is the earliest fault of
    for incident in row["incidents"]:
        if incident["faults"]:
            owner.setdefault(min(incident["faults"], key=lambda fid: starts[fid]), incident)
    scores = []
    for fault in row["faults"]:
        truth = (fault["target"], fault["type"])
        explaining = [i for i in row["incidents"] if fault["id"] in i["faults"]]
        own = owner.get(fault["id"])
        first = _top(own["first_root_causes"]) if own else None
        final = _top(own["root_causes"]) if own else None
        scores.append(
            FaultScore(
                seed=row["seed"],
                kind=fault["type"],
                target=fault["target"],
                intensity=fault["intensity"],
                incidents=len(explaining),
                own=own is not None,
                first_right=first == truth,
                final_right=final == truth,
                delay=own["detection_delay_s"] if own else None,
                first_named=_named(first),
                final_named=_named(final),
                promised=fault.get("promised_s"),
            )
        )
    return scores


def false_incidents(rows: Sequence[dict]) -> int:
    """Incidents that explain no injected fault."""
    return sum(1 for row in rows for incident in row["incidents"] if not incident["faults"])


def headline(scores: Sequence[FaultScore]) -> dict[str, float]:
    """First- and final-analysis top-1 over every fault and over the detected ones (explained by an incident),
    merged-or-split share, missed share, delay p50/p95 (NaN without any) and the share of own faults detected
    within the delay the Fault injection page promised."""
    n = len(scores) or 1
    delays = [s.delay for s in scores if s.delay is not None]
    promised = [s for s in scores if s.delay is not None and s.promised is not None]
    detected = [s for s in scores if s.incidents > 0]
    m = len(detected) or 1
    return {
        "faults": float(len(scores)),
        "first_top1": sum(s.first_right for s in scores) / n,
        "final_top1": sum(s.final_right for s in scores) / n,
        "merged": sum(s.merged for s in scores) / n,
        "split": sum(s.split for s in scores) / n,
        "merged_or_split": sum(s.merged or s.split for s in scores) / n,
        "missed": sum(s.incidents == 0 for s in scores) / n,
        "first_top1_detected": sum(s.first_right for s in detected) / m,
        "final_top1_detected": sum(s.final_right for s in detected) / m,
        "kept_promise": sum(s.delay <= s.promised for s in promised) / len(promised) if promised else math.nan,
        "delay_p50": percentile(delays, 50),
        "delay_p95": percentile(delays, 95),
    }
