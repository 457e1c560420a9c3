"""What an alert reported, for an offline analysis: ``SERVICE[:METRIC]`` to the incident's alert signal (pure).

The offline twin of an alert's subject. Service names may hold colons (``orders::v2``), so the text is
first taken whole as a service, then split at its last colon into a service and a metric. The metric is
normalised as the file's names are (``core.offline.names``) and must match a series of that service,
exactly or by the symptom it shows (``core.semantics.family``: ``latency`` matches ``latency_p99``).
"""

from __future__ import annotations

import pandas as pd

from core.models import ALERT_RULE, Signal
from core.offline.loaders import InputError
from core.offline.names import normalise_metric
from core.semantics import family


def parse_symptom(text: str, frame: pd.DataFrame, ts: float) -> Signal:
    """The alert signal of ``text`` against the services and metrics of ``frame``, at ``ts``; ``InputError``
    when it names no service of the file or a metric that service does not have."""
    services = {str(s) for s in frame["service"].unique()}
    text = text.strip()
    service, metric = (text, None) if text in services else _split(text)
    if service not in services:
        shown = ", ".join(sorted(services)[:5]) + (" ..." if len(services) > 5 else "")
        raise InputError(f"--symptom {text!r}: no service {service!r} in the metrics (services: {shown})")
    if metric is not None:
        pairs = frame[["service", "metric"]].drop_duplicates()
        own = sorted(str(m) for m in pairs.loc[pairs["service"] == service, "metric"])
        if metric not in own and not any(family(m) == family(metric) for m in own):
            raise InputError(f"--symptom {text!r}: {service} has no {metric!r} series (it has: {', '.join(own[:8])})")
    what = f"{service} {metric}" if metric else service
    return Signal(rule=ALERT_RULE, service=service, metric=metric, value=0.0, threshold=0.0, ts=ts,
                  message=f"an alert reported {what}")  # fmt: skip


def _split(text: str) -> tuple[str, str | None]:
    service, sep, metric = text.rpartition(":")
    if not sep or not service or not metric.strip():
        return text, None
    return service.strip(), normalise_metric(metric)
