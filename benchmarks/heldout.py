"""Leave-one-group-out choice of a setting: each group is scored with the value chosen without it.

A setting chosen by looking at a benchmark's score is fitted to the data scored; its figure says little
about the next system. Here each group (a NAB category, a Loghub system) is held out in turn, the value
that scores best on the other groups is chosen, and the held-out group is scored with that value.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

C = TypeVar("C", bound=Hashable)


@dataclass(frozen=True)
class HeldOut(Generic[C]):
    """For each group: the candidate chosen on the other groups and the held-out group's value under it."""

    chosen: dict[str, C]
    value: dict[str, float]


def leave_one_out(table: Mapping[C, Mapping[str, float]], default: C) -> HeldOut[C]:
    """Choose per held-out group the candidate with the largest sum over the other groups.

    ``table[candidate][group]`` is a per-group figure where larger is better (a raw NAB score, a GA);
    ties go to ``default`` (the shipped value), then to the first candidate.
    """
    if default not in table:
        raise ValueError(f"the default {default!r} is not among the candidates {list(table)}")
    groups: Sequence[str] = list(table[default])
    candidates = [default, *(c for c in table if c != default)]
    chosen: dict[str, C] = {}
    value: dict[str, float] = {}
    for held in groups:
        best = max(candidates, key=lambda c: (sum(v for g, v in table[c].items() if g != held), c == default))
        chosen[held], value[held] = best, table[best][held]
    return HeldOut(chosen, value)


def best_on_all(table: Mapping[C, Mapping[str, float]], default: C) -> C:
    """The candidate with the largest sum over every group (ties to ``default``)."""
    return max(table, key=lambda c: (sum(table[c].values()), c == default))
