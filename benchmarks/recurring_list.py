"""``python -m benchmarks.recurring_list``: how long the incident list's *Recurring* counts take to compute.

Random fingerprints shaped like the demo shop's incidents (a cause and its rule on one of a few services, one of
a few log patterns, a metric direction, and one busy caller every incident affects), counted with
``core.memory.recurrence`` for every incident and for the newest 500 (what the list shows), next to the
pairwise count it replaces. Prints seconds; no assertion (the machine may be loaded: the figures say so).

    python -m benchmarks.recurring_list [--count 2000] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import time

import core.models  # noqa: F401  (the models load before the memory, as in the app)
from core.config import Settings
from core.memory.fingerprint import Fingerprint
from core.memory.recurrence import recurrence_counts
from core.memory.similarity import ranked_matches

KINDS = ("error_rate", "db_slow", "latency_spike", "memory_leak", "cpu_saturation")
SERVICES = ("frontend", "checkout", "payments", "postgres", "cache", "catalog")
SHOWN = 500


def fingerprints(count: int, seed: int) -> list[tuple[str, float, Fingerprint]]:
    """``count`` random (id, detected_at, fingerprint), one a minute."""
    rng = random.Random(seed)
    out = []
    for n in range(count):
        kind, service = rng.choice(KINDS), rng.choice(SERVICES)
        fp = Fingerprint(
            causes=[f"{kind}@{service}"],
            services=sorted({service, SERVICES[0]}),
            rules=[f"{kind}@{service}"],
            patterns=[f"p{rng.randint(0, 30)}"],
            metrics=[f"{service}/{kind}/up"],
        )
        out.append((f"i{n:05d}", 60.0 * n, fp))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="Time the incident list's recurrence counts.")
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    prints = fingerprints(args.count, args.seed)
    last = min(SHOWN, len(prints))
    threshold = Settings(_env_file=None).similarity_threshold
    started = time.perf_counter()
    counts = recurrence_counts(prints, threshold)
    every = time.perf_counter() - started
    started = time.perf_counter()
    recurrence_counts(prints, threshold, of={i for i, _, _ in prints[len(prints) - last :]})
    shown = time.perf_counter() - started
    started = time.perf_counter()
    pairwise = sum(
        bool(ranked_matches(fp, prints[:n], threshold))
        for n, (_, _, fp) in enumerate(prints[len(prints) - last :], len(prints) - last)
    )
    naive = time.perf_counter() - started
    print(f"{args.count} fingerprints, SIMILARITY_THRESHOLD {threshold}: {len(counts)} recurring")
    print(f"  every incident:        {every:.2f} s")
    print(f"  the newest {last}:       {shown:.2f} s")
    agree = pairwise == sum(1 for i, _, _ in prints[len(prints) - last :] if i in counts)
    print(f"  pairwise, newest {last}: {naive:.2f} s ({pairwise} recurring; same as the counts: {agree})")


if __name__ == "__main__":
    main()
