"""RCAEval's accuracy figures at service level: AC@k and Avg@k (pure).

AC@k is the share of cases whose root cause is among the top k ranked services; Avg@k is the mean of AC@1
.. AC@k (``RCAEval/benchmark/evaluation.py``: ``accuracy_service`` and ``average_service``). A case whose
ranking does not name the root cause counts as a miss at every k.
"""

from __future__ import annotations

from collections.abc import Sequence


def ac_at(ranks: Sequence[int | None], k: int) -> float:
    """Share of ``ranks`` (1-based, None for not named) that are at most ``k``; 0 for no cases."""
    if not ranks:
        return 0.0
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks)


def avg_at(ranks: Sequence[int | None], k: int) -> float:
    """Mean of AC@1 .. AC@k."""
    return sum(ac_at(ranks, j) for j in range(1, k + 1)) / k
