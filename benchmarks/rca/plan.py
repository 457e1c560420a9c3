"""Which simulations the RCA benchmark runs: singles, pairs and fault-free stretches, all seeded."""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass

from core.simulation import FaultSpec

INTENSITIES: tuple[float, ...] = (0.3, 0.6, 1.0)


@dataclass(frozen=True, slots=True)
class Run:
    """One simulation: faults injected together after the warm-up (none for a fault-free run)."""

    group: str  # "single", "pair" or "quiet"
    faults: tuple[FaultSpec, ...]
    seed: int
    duration: float  # seconds simulated after the warm-up

    @property
    def label(self) -> str:
        if not self.faults:
            return "none"
        return " + ".join(f"{f.type}@{f.target}:{f.intensity:g}" for f in self.faults)


def combos(catalogue: Sequence[tuple[str, Sequence[str]]], kinds: Sequence[str] = ()) -> list[tuple[str, str]]:
    """Every (kind, target) of the catalogue, optionally only the ``kinds`` named."""
    return [(kind, target) for kind, targets in catalogue if not kinds or kind in kinds for target in targets]


def singles(
    pairs: Sequence[tuple[str, str]], intensities: Sequence[float], seeds: Sequence[int], duration: float
) -> list[Run]:
    """Each (kind, target) at each intensity on each seed."""
    return [
        Run("single", (FaultSpec(kind, target, level),), seed, duration)
        for (kind, target), level, seed in itertools.product(pairs, intensities, seeds)
    ]


def doubles(pairs: Sequence[tuple[str, str]], count: int, seed: int, duration: float) -> list[Run]:
    """``count`` random pairs of faults on two different services, at intensity 1.0 (seeded choice)."""
    rng = random.Random(seed)
    candidates = [(a, b) for a, b in itertools.combinations(pairs, 2) if a[1] != b[1]]
    chosen = rng.sample(candidates, min(count, len(candidates)))
    return [
        Run("pair", (FaultSpec(a[0], a[1], 1.0), FaultSpec(b[0], b[1], 1.0)), seed + i, duration)
        for i, (a, b) in enumerate(chosen)
    ]


def quiet(hours: float, chunks: int, first_seed: int) -> list[Run]:
    """``hours`` of fault-free simulation split into ``chunks`` runs on consecutive seeds."""
    chunk = hours * 3600 / max(chunks, 1)
    return [Run("quiet", (), first_seed + i, chunk) for i in range(max(chunks, 1))]
