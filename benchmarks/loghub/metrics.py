"""Loghub-2.0 parsing metrics (see SCORING.md): grouping accuracy (GA), its F1 over groups (FGA), and
parsing accuracy (PA). Pure functions over aligned label lists."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Scores:
    """GA and PA are shares of messages; FGA is the harmonic mean of group precision and recall."""

    ga: float
    fga: float
    pa: float
    parsed_groups: int
    truth_groups: int


def score(parsed_ids: Sequence[str], parsed_templates: Sequence[str], truth: Sequence[str]) -> Scores:
    """Score one system. ``truth`` holds ground-truth templates; rows whose truth is empty are dropped."""
    if not len(parsed_ids) == len(parsed_templates) == len(truth):
        raise ValueError(
            f"label lists differ in length: {len(parsed_ids)} ids, {len(parsed_templates)} templates, "
            f"{len(truth)} truths"
        )
    rows = [(p, t, g) for p, t, g in zip(parsed_ids, parsed_templates, truth, strict=True) if g and g == g]
    if not rows:
        raise ValueError("no row has a ground-truth template")
    truth_sizes = Counter(g for _, _, g in rows)
    members: dict[str, Counter[str]] = defaultdict(Counter)
    for parsed, _, gold in rows:
        members[parsed][gold] += 1
    correct_groups = correct_messages = 0
    for counts in members.values():
        if len(counts) == 1:
            gold, size = next(iter(counts.items()))
            if truth_sizes[gold] == size:
                correct_groups += 1
                correct_messages += size
    precision = correct_groups / len(members)
    recall = correct_groups / len(truth_sizes)
    fga = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
    pa = sum(1 for _, t, g in rows if t == g) / len(rows)
    return Scores(correct_messages / len(rows), fga, pa, len(members), len(truth_sizes))
