"""Parse the Prometheus text exposition format into a flat snapshot of samples (pure)."""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client.parser import text_string_to_metric_families

from core.errors import SourceError

#: (sample name, sorted label pairs) -> value
Snapshot = Mapping[tuple[str, tuple[tuple[str, str], ...]], float]


def parse_snapshot(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of an exposition as ``{(name, labels): value}``; ``SourceError`` if unparseable."""
    snapshot: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    try:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name.endswith("_created"):
                    continue
                snapshot[(sample.name, tuple(sorted(sample.labels.items())))] = float(sample.value)
    except (ValueError, TypeError) as exc:
        raise SourceError(f"Unparseable Prometheus exposition: {exc}") from exc
    return snapshot
