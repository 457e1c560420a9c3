"""Past incidents as the analysis of a new one sees them (``Precedent``), and those similar to it.

A precedent carries what a responder asks of a past incident: when, what it looked like (its fingerprint),
the cause stated then, the verdict given on it, how it ended (the resolve note), the actions proposed and
those ticked as done.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import BaseModel, Field

from core.memory.fingerprint import Fingerprint
from core.memory.similarity import PART_WEIGHTS, ranked_matches

#: Similar past incidents a report lists at most.
MAX_SIMILAR = 5


class Precedent(BaseModel):
    """An earlier incident with its fingerprint and outcome."""

    id: str
    title: str
    detected_at: float
    fingerprint: Fingerprint
    cause_service: str | None = None
    cause_kind: str | None = None
    verdict: str | None = None  # "right" / "wrong" (the newest), None without feedback
    actual_cause: str = ""
    resolution_note: str | None = None
    actions: list[str] = Field(default_factory=list)  # the immediate actions proposed then
    actions_checked: list[str] = Field(default_factory=list)  # those a responder ticked (and did not untick)


class SimilarIncident(Precedent):
    """A precedent and how similar it is to the incident at hand (0-1, ``core.memory.similarity``)."""

    similarity: float


def similar_incidents(
    target: Fingerprint,
    precedents: Sequence[Precedent],
    threshold: float,
    *,
    parts: Iterable[str] = tuple(PART_WEIGHTS),
    limit: int = MAX_SIMILAR,
) -> list[SimilarIncident]:
    """The ``precedents`` whose similarity to ``target`` is at least ``threshold``, most similar first."""
    by_id = {p.id: p for p in precedents}
    matches = ranked_matches(target, [(p.id, p.detected_at, p.fingerprint) for p in precedents], threshold, parts)
    return [SimilarIncident(**by_id[m.id].model_dump(), similarity=m.similarity) for m in matches[:limit]]
