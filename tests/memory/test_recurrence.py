"""Recurrence counts: exactly the number of earlier incidents ``ranked_matches`` finds similar, computed with a
bound that skips pairs sharing only a busy service."""

from __future__ import annotations

import random

import pytest

from core.memory.fingerprint import Fingerprint
from core.memory.recurrence import recurrence_counts
from core.memory.similarity import ranked_matches

KINDS = ("error_rate", "db_slow", "latency_spike", "memory_leak")
SERVICES = ("frontend", "checkout", "payments", "postgres")


def _prints(count: int, seed: int) -> list[tuple[str, float, Fingerprint]]:
    """Random incidents: a cause, its rule and metric, one of a few log patterns, and one busy caller."""
    rng = random.Random(seed)
    out = []
    for n in range(count):
        kind, service = rng.choice(KINDS), rng.choice(SERVICES)
        fp = Fingerprint(
            causes=[f"{kind}@{service}"],
            confirmed=[f"{kind}@{service}"] if rng.random() < 0.2 else [],
            services=sorted({service, "frontend"}),
            rules=[f"{kind}@{service}"],
            patterns=[f"p{rng.randint(0, 6)}"],
            metrics=[f"{service}/{kind}/up"] if rng.random() < 0.7 else [],
        )
        out.append((f"i{n:03d}", float(n), fp))
    return out


@pytest.mark.parametrize("threshold", [0.0, 0.3, 0.6, 0.9], ids=lambda t: f"threshold={t}")
def test_counts_agree_with_ranked_matches(threshold: float) -> None:
    prints = _prints(150, seed=7)
    counts = recurrence_counts(prints, threshold)
    expected = {}
    for n, (incident_id, _, fp) in enumerate(prints):
        found = len(ranked_matches(fp, prints[:n], threshold))
        if found:
            expected[incident_id] = found
    assert counts == expected
    assert counts  # the random history has repeats at every threshold tried


def test_only_the_incidents_asked_for_are_counted() -> None:
    prints = _prints(60, seed=3)
    wanted = {incident_id for incident_id, _, _ in prints[-10:]}
    assert recurrence_counts(prints, 0.6, of=wanted) == {
        k: v for k, v in recurrence_counts(prints, 0.6).items() if k in wanted
    }


def test_a_busy_service_alone_is_no_recurrence() -> None:
    first = Fingerprint(causes=["db_slow@postgres"], services=["frontend"], rules=["db_slow@postgres"])
    second = Fingerprint(causes=["error_rate@payments"], services=["frontend"], rules=["error_rate@payments"])
    again = Fingerprint(causes=["db_slow@postgres"], services=["frontend"], rules=["db_slow@postgres"])
    prints = [("a", 1.0, first), ("b", 2.0, second), ("c", 3.0, again)]
    assert recurrence_counts(prints, 0.6) == {"c": 1}
