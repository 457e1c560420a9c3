"""Similarity between two incidents' fingerprints: a weighted mean of the Jaccard index of each part.

``similarity(a, b) = sum_p w_p * |A_p & B_p| / |A_p | B_p|  /  sum_p w_p`` over the parts that at least one
of the two has (a part both lack says nothing either way). The causes weigh most, because a cause is what a
responder wants to recognise; the rules, log patterns and metric directions come next, because two faults
of different kinds on one service fire different rules and move different metrics; the services affected
weigh least, because one busy caller is affected by most faults. No learned model: the figures are
explainable part by part. Confirmed causes count as causes (a verdict overrides what was named).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import BaseModel

from core.memory.fingerprint import Fingerprint

#: Weight of each part (see the module docstring for the principle behind the order).
PART_WEIGHTS: dict[str, float] = {"causes": 3.0, "rules": 2.0, "patterns": 1.5, "metrics": 2.0, "services": 1.0}
#: The parts known before the root cause is ranked (feedback priors compare on these alone).
EVIDENCE_PARTS: tuple[str, ...] = ("rules", "patterns", "metrics", "services")


def _causes(fp: Fingerprint) -> frozenset[str]:
    """What caused the incident as far as anyone knows: the confirmed causes, else the named top cause."""
    if fp.confirmed:
        return frozenset(fp.confirmed)
    named = [c for c in fp.causes if c not in fp.rejected]
    return frozenset(named[:1])


def _tokens(fp: Fingerprint, part: str) -> frozenset[str]:
    return _causes(fp) if part == "causes" else fp.part(part)


def token_sets(fp: Fingerprint, parts: Iterable[str] = tuple(PART_WEIGHTS)) -> dict[str, frozenset[str]]:
    """The tokens ``similarity`` compares, by part (read once to compare one fingerprint with many)."""
    return {part: _tokens(fp, part) for part in parts}


def similarity(a: Fingerprint, b: Fingerprint, parts: Iterable[str] = tuple(PART_WEIGHTS)) -> float:
    """Weighted Jaccard similarity in [0, 1] over ``parts``; 0 when neither fingerprint has any of them."""
    chosen = tuple(parts)
    return set_similarity(token_sets(a, chosen), token_sets(b, chosen))


def set_similarity(a: dict[str, frozenset[str]], b: dict[str, frozenset[str]]) -> float:
    """``similarity`` of two fingerprints' ``token_sets`` (over the parts of ``a``)."""
    total = weight = 0.0
    for part, left in a.items():
        right = b[part]
        union = left | right
        if not union:
            continue
        w = PART_WEIGHTS[part]
        total += w * len(left & right) / len(union)
        weight += w
    return total / weight if weight else 0.0


class Match(BaseModel):
    """An earlier incident similar to this one, with the similarity of their fingerprints."""

    id: str
    similarity: float
    detected_at: float


def ranked_matches(
    target: Fingerprint,
    earlier: Sequence[tuple[str, float, Fingerprint]],
    threshold: float,
    parts: Iterable[str] = tuple(PART_WEIGHTS),
) -> list[Match]:
    """The ``earlier`` (id, detected_at, fingerprint) at or above ``threshold``, most similar first (ties: the
    most recent first)."""
    chosen = tuple(parts)
    found = [Match(id=i, similarity=round(similarity(target, fp, chosen), 3), detected_at=t) for i, t, fp in earlier]
    found = [m for m in found if m.similarity >= threshold]
    return sorted(found, key=lambda m: (-m.similarity, -m.detected_at, m.id))
