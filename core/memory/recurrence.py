"""How often an incident recurred: the number of earlier incidents at least SIMILARITY_THRESHOLD similar to it.

One pass over the stored fingerprints, oldest first, each compared with those before it through an inverted
index of tokens. A part two fingerprints share no token of adds nothing to their similarity but still counts in
its denominator, so ``weight of the parts they share / weight of the parts either has`` bounds their similarity
from above: pairs whose bound is under the threshold (say, two incidents sharing only a busy service) are never
compared in full. The counts are exactly those ``core.memory.similarity.ranked_matches`` would give.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from core.memory.fingerprint import Fingerprint
from core.memory.similarity import PART_WEIGHTS, set_similarity, token_sets

#: Half the last digit ``ranked_matches`` keeps (3 decimals).
ROUNDING = 0.0005


def _present_weight(sets: dict[str, frozenset[str]]) -> float:
    return sum(PART_WEIGHTS[part] for part, tokens in sets.items() if tokens)


def _shared_weight(sets: dict[str, frozenset[str]], index: dict[tuple[str, str], list[int]]) -> dict[int, float]:
    """Earlier position -> total weight of the parts it shares at least one token of with ``sets``."""
    shared: dict[int, float] = {}
    for part, tokens in sets.items():
        seen = {earlier for token in tokens for earlier in index.get((part, token), ())}
        for earlier in seen:
            shared[earlier] = shared.get(earlier, 0.0) + PART_WEIGHTS[part]
    return shared


def recurrence_counts(
    prints: Sequence[tuple[str, float, Fingerprint]], threshold: float, of: Collection[str] | None = None
) -> dict[str, int]:
    """For each incident in ``of`` (every one when None), how many of the ``prints`` (id, detected_at, fingerprint)
    detected before it are at least ``threshold`` similar; incidents with none are left out."""
    ordered = sorted(prints, key=lambda p: (p[1], p[0]))
    sets = [token_sets(fp) for _, _, fp in ordered]
    present = [_present_weight(s) for s in sets]
    index: dict[tuple[str, str], list[int]] = {}
    counts: dict[str, int] = {}
    for position, (incident_id, _, _) in enumerate(ordered):
        mine = sets[position]
        if of is None or incident_id in of:
            if threshold > 0:
                shared = _shared_weight(mine, index)
                # the union of present parts weighs at least the larger of the two fingerprints' own; the bound
                # is loosened by the rounding below (0.0005)
                floor = threshold - ROUNDING
                candidates = [c for c, w in shared.items() if w >= floor * max(present[position], present[c])]
            else:
                candidates = list(range(position))  # at 0 every earlier incident is similar, token or not
            # rounded as ``ranked_matches`` rounds, so that the count agrees with the similar incidents listed
            found = sum(1 for c in candidates if round(set_similarity(mine, sets[c]), 3) >= threshold)
            if found:
                counts[incident_id] = found
        for part, tokens in mine.items():
            for token in tokens:
                index.setdefault((part, token), []).append(position)
    return counts
