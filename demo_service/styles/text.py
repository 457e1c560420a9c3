"""Prometheus text exposition (format 0.0.4) written by hand for the hand-written styles."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.utils import floatToGoString

#: (label name, value) pairs of one sample.
Labels = tuple[tuple[str, str], ...]


def _escape(value: str) -> str:
    return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")


def sample(name: str, labels: Labels, value: float) -> str:
    """One sample line with its labels escaped."""
    pairs = ",".join(f'{key}="{_escape(val)}"' for key, val in labels)
    return f"{name}{{{pairs}}} {floatToGoString(value)}\n"


def family(name: str, doc: str, kind: str, samples: Iterable[tuple[Labels, float]]) -> str:
    """HELP and TYPE lines and the samples of one family (``name`` as exposed, ``_total`` included)."""
    lines = [f"# HELP {name} {doc}\n# TYPE {name} {kind}\n"]
    lines.extend(sample(name, labels, value) for labels, value in samples)
    return "".join(lines)
