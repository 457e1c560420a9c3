"""Scores of the recurrence benchmark from result rows (pure).

A row is one session: its faults (``id``, ``type``, ``target``, ``started_at``) and its incidents in order of
detection, each with the ids of the faults it explains and every earlier incident with the similarity of their
fingerprints (the simulation is run with threshold 0, so that any threshold can be scored afterwards). Only
faults that opened an incident of their own are scored (the earliest fault it explains). Such a fault is a
**repeat** when an earlier incident explains a fault of the same (kind, target), else a **first occurrence**.
At threshold ``t``:

- a repeat is found when its most similar earlier incident is at or above ``t`` and explains that same fault;
- a first occurrence is found when no earlier incident is at or above ``t``.

Leave-one-kind-out: for each kind, the threshold is the one that scores best on the faults of every other kind,
and the held-out kind's faults are scored with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: Thresholds a held-out fit chooses from.
GRID = tuple(round(0.30 + 0.05 * i, 2) for i in range(13))  # 0.30 .. 0.90


@dataclass(frozen=True, slots=True)
class Case:
    """One fault that opened an incident: what it was, whether it repeats, and its most similar earlier one."""

    seed: int
    fault: str  # kind@target
    repeat: bool
    top_similarity: float  # of the most similar earlier incident (0 without any)
    top_same: bool  # that incident explains a fault of the same kind@target
    top_cause: str  # the cause that incident was given, kind@service ("-" for none)

    def found(self, threshold: float) -> bool:
        """Right at ``threshold``: a repeat finds its earlier occurrence first, a first occurrence finds nothing."""
        if self.repeat:
            return self.top_same and self.top_similarity >= threshold
        return self.top_similarity < threshold


def _name(fault: dict) -> str:
    return f"{fault['type']}@{fault['target']}"


def cases(row: dict) -> list[Case]:
    """One ``Case`` per fault of session ``row`` that opened an incident of its own."""
    faults = {f["id"]: f for f in row["faults"]}
    explains = {i["id"]: {_name(faults[fid]) for fid in i["faults"]} for i in row["incidents"]}
    seen: set[str] = set()  # faults explained by the incidents so far
    found = []
    for incident in row["incidents"]:
        own = min(incident["faults"], key=lambda fid: faults[fid]["started_at"], default=None)
        if own is not None:
            name = _name(faults[own])
            top = max(incident["similar"], key=lambda s: s["similarity"], default=None)
            cause = top["root_cause"] if top else None
            found.append(
                Case(
                    seed=row["seed"],
                    fault=name,
                    repeat=name in seen,
                    top_similarity=top["similarity"] if top else 0.0,
                    top_same=bool(top) and name in explains.get(top["id"], set()),
                    top_cause=f"{cause['kind']}@{cause['service']}" if cause and cause["kind"] else "-",
                )
            )
        seen |= explains[incident["id"]]
    return found


def shares(found: Sequence[Case], threshold: float) -> tuple[float, float]:
    """(repeats found, first occurrences found) at ``threshold``, each as a share (NaN-free: 0 when none)."""
    repeats = [c for c in found if c.repeat]
    firsts = [c for c in found if not c.repeat]
    return (
        sum(c.found(threshold) for c in repeats) / len(repeats) if repeats else 0.0,
        sum(c.found(threshold) for c in firsts) / len(firsts) if firsts else 0.0,
    )


def best_threshold(found: Sequence[Case]) -> float:
    """The ``GRID`` threshold whose lower share (repeats or first occurrences) is highest; ties: the middle one."""
    scored = [(min(shares(found, t)), t) for t in GRID]
    top = max(score for score, _ in scored)
    tied = [t for score, t in scored if score == top]
    return tied[len(tied) // 2]


def held_out(found: Sequence[Case]) -> tuple[list[tuple[Case, float]], dict[str, float]]:
    """Every case with the threshold chosen without its kind, and the threshold chosen for each kind held out."""
    kinds = sorted({c.fault.split("@")[0] for c in found})
    chosen = {k: best_threshold([c for c in found if c.fault.split("@")[0] != k]) for k in kinds}
    return [(c, chosen[c.fault.split("@")[0]]) for c in found], chosen
