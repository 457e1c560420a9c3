"""The sessions the benchmark simulates: 10-15 faults of random kinds, targets and intensities, one after another.

Each fault lasts ``FAULT_SECONDS`` (what a demo does: injected for 120 s, often stopped once its report is
read) and the next one starts ``GAP_SECONDS`` after it ends, as a presenter would go on once the last
incident is over, or sooner. All of it comes from the session's seed, so a session is reproducible.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from core.config import Settings
from core.fault_schedule import FaultSpec
from core.simulation import SimulationResult, simulate
from demo_service import DemoService
from demo_service.mechanics import catalogue as demo_catalogue

FAULTS_PER_SESSION = (10, 15)
INTENSITY = (0.3, 1.0)
FAULT_SECONDS = (45.0, 120.0)
GAP_SECONDS = (60.0, 150.0)  # from the end of one fault to the start of the next
TAIL_SECONDS = 180.0  # after the last fault: its incident resolves (60 s of calm) and is analysed once more
WARMUP_SECONDS = 300.0  # fault-free, before the first fault (as ``simulate``'s default)


@dataclass(frozen=True, slots=True)
class Session:
    """One simulated session: its seed (of the shop and of the plan) and its faults in order."""

    seed: int
    faults: tuple[FaultSpec, ...]

    @property
    def duration(self) -> float:
        """Seconds simulated after the warm-up: to the end of the last fault, then ``TAIL_SECONDS``."""
        return max(f.start_s + (f.duration_s or 0.0) for f in self.faults) + TAIL_SECONDS

    def run(self, settings: Settings, db: Path) -> SimulationResult:
        """Simulate the session on the demo shop with ``settings``, keeping its results in the DuckDB file ``db``."""
        faults = list(self.faults)
        return simulate(
            faults,
            demo=DemoService,
            settings=settings,
            duration=self.duration,
            warmup=WARMUP_SECONDS,
            seed=self.seed,
            db=db,
        )


def session(seed: int, catalogue: Sequence[tuple[str, Sequence[str]]]) -> Session:
    """A session of random faults drawn from ``catalogue`` ((kind, targets) pairs) with ``seed``."""
    rng = random.Random(f"session-{seed}")
    faults, start = [], 0.0
    for _ in range(rng.randint(*FAULTS_PER_SESSION)):
        kind, targets = rng.choice(list(catalogue))
        length = round(rng.uniform(*FAULT_SECONDS))
        faults.append(FaultSpec(kind, rng.choice(list(targets)), round(rng.uniform(*INTENSITY), 2), start, length))
        start += length + round(rng.uniform(*GAP_SECONDS))
    return Session(seed, tuple(faults))


Catalogue = Sequence[tuple[str, Sequence[str]]]


def planned(seeds: Sequence[int], make: Callable[[int, Catalogue], Session], jobs: int) -> list[Session]:
    """``make(seed, kinds)`` for every seed over the demo shop's (kind, targets), announced on stderr."""
    kinds = [(kind.type, kind.targets) for kind in demo_catalogue()]
    sessions = [make(seed, kinds) for seed in seeds]
    total = sum(len(s.faults) for s in sessions)
    print(f"{len(sessions)} sessions, {total} faults, on {jobs} worker(s)", file=sys.stderr, flush=True)
    return sessions
