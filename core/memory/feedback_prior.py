"""What responders said about similar past incidents, as a bounded shift of a candidate cause's score.

For a new incident, each precedent with a verdict whose evidence (``EVIDENCE_PARTS``: rules, log patterns,
metric directions, services; the new incident has no cause yet) is at least ``threshold`` similar votes with
its similarity: +s for the cause it confirmed, -s for the cause marked wrong. A cause's votes ``v`` shift its
score by ``max_boost * tanh(v)`` evidence units: one close confirmation moves it by about 3/4 of the bound,
any number of them by less than the bound. The bound is what keeps evidence in charge: a candidate that leads
by more than twice ``max_boost`` evidence units stays first whatever the feedback (a confirmed and a rejected
cause can each move by ``max_boost``). Without feedback nothing moves.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from core.memory.fingerprint import Fingerprint, parse_cause
from core.memory.precedent import Precedent
from core.memory.similarity import EVIDENCE_PARTS, similarity


@dataclass(frozen=True)
class Shift:
    """The score shift of one (kind, service) and the precedents behind it."""

    units: float  # evidence units added (negative: removed)
    confirmed: tuple[str, ...]  # ids of the similar incidents that confirmed it
    rejected: tuple[str, ...]  # ids of those that marked it wrong


def feedback_shifts(
    evidence: Fingerprint, precedents: Sequence[Precedent], *, threshold: float, max_boost: float
) -> dict[tuple[str, str], Shift]:
    """The shift of each (kind, service) that a similar precedent's verdict names (empty without any)."""
    votes: dict[tuple[str, str], float] = {}
    confirmed: dict[tuple[str, str], list[str]] = {}
    rejected: dict[tuple[str, str], list[str]] = {}
    for p in precedents:
        fp = p.fingerprint
        if not (fp.confirmed or fp.rejected):
            continue
        s = similarity(evidence, fp, EVIDENCE_PARTS)
        if s < threshold:
            continue
        for tokens, sign, ids in ((fp.confirmed, 1.0, confirmed), (fp.rejected, -1.0, rejected)):
            for token in tokens:
                cause = parse_cause(token)
                if cause is not None:
                    votes[cause] = votes.get(cause, 0.0) + sign * s
                    ids.setdefault(cause, []).append(p.id)
    return {
        cause: Shift(
            units=max_boost * math.tanh(v),
            confirmed=tuple(confirmed.get(cause, ())),
            rejected=tuple(rejected.get(cause, ())),
        )
        for cause, v in votes.items()
        if v
    }
