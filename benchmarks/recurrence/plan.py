"""Sessions in which some faults come back: distinct faults of random kinds and targets, with a few of them
repeated later (the same kind on the same target, minutes apart, other faults in between).

Lengths, gaps and intensities are those of the demo-like sessions (``benchmarks.sessions.plan``); a repeat
draws its own intensity and length, as a second occurrence of a real fault is rarely the same size. All of it
comes from the session's seed, so a session is reproducible.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from benchmarks.sessions.plan import FAULT_SECONDS, GAP_SECONDS, INTENSITY, Session
from core.fault_schedule import FaultSpec

DISTINCT_FAULTS = (6, 9)  # distinct (kind, target) pairs per session
REPEATS = (3, 5)  # of them, how many come back once
MIN_BETWEEN = 2  # other faults at least between a fault and its repeat ("among others")


def order(seed: int, catalogue: Sequence[tuple[str, Sequence[str]]]) -> list[tuple[str, str]]:
    """The (kind, target) of every fault of session ``seed`` in the order they are injected."""
    rng = random.Random(f"recurrence-{seed}")
    pairs = [(kind, target) for kind, targets in catalogue for target in targets]
    sequence = rng.sample(pairs, min(rng.randint(*DISTINCT_FAULTS), len(pairs)))
    sources = range(max(0, len(sequence) - MIN_BETWEEN))
    repeated = [sequence[i] for i in rng.sample(sources, min(rng.randint(*REPEATS), len(sources)))]
    for pair in repeated:
        at = sequence.index(pair)  # its first occurrence, wherever earlier inserts moved it
        sequence.insert(rng.randint(at + MIN_BETWEEN + 1, len(sequence)), pair)
    return sequence


def session(seed: int, catalogue: Sequence[tuple[str, Sequence[str]]]) -> Session:
    """The faults of session ``seed``, one after another: each lasts 45-120 s, the next starts 60-150 s later."""
    rng = random.Random(f"recurrence-timing-{seed}")
    faults, start = [], 0.0
    for kind, target in order(seed, catalogue):
        length = round(rng.uniform(*FAULT_SECONDS))
        faults.append(FaultSpec(kind, target, round(rng.uniform(*INTENSITY), 2), start, length))
        start += length + round(rng.uniform(*GAP_SECONDS))
    return Session(seed, tuple(faults))
