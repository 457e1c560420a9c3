"""How long detection of an injected fault should take, from the same settings and windows the rules use.

A fault is seen at the first poll after it starts and must keep its rule firing for ``CONFIRMATION_SECONDS``.
A fault that shows as failed or slow requests on its target needs the error-rate rule's evidence first: on
a quiet target the rule's window grows until it holds ``MIN_REQUESTS`` requests, and the fault must fill
about half of it before the share is significant, so the wait grows with ``MIN_REQUESTS / rate``. A memory
leak first has to grow (or trend) towards its threshold, which takes up to about a minute.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.catalogue import signature_for
from core.catalogue.signature import LATENCY
from core.config import Settings
from core.detection.rules import ERROR_WINDOW_SECONDS, evidence_seconds
from core.models import ERROR_RATE

#: Seconds a memory leak needs before the trend rule can see it.
LEAK_SECONDS = 60.0
REQUEST_METRICS = frozenset({ERROR_RATE}) | LATENCY


@dataclass(frozen=True)
class Expected:
    """Expected detection delay in seconds: about, and at most (None: the rules may not see it in time)."""

    about: float
    at_most: float | None
    rate: float | None = None  # the target's requests per second, when they decide the delay


def request_based(kind: str) -> bool:
    """True when the kind shows first as failed or slow requests on its target (error rate or latency)."""
    signature = signature_for(kind)
    if signature is None:
        return False
    own = [cue.metric for cue in signature.metric_cues if cue.where == "self" and cue.primary]
    return bool(own) and all(metric in REQUEST_METRICS for metric in own)


def expected_detection(kind: str, rate: float | None, settings: Settings) -> Expected:
    """The delay to promise for ``kind`` on a target answering ``rate`` requests per second (None: unknown,
    e.g. an external dependency without metrics, taken as busy)."""
    about = settings.detection_interval_seconds + settings.confirmation_seconds
    at_most = about + settings.detection_interval_seconds
    if kind == "memory_leak":
        return Expected(about, max(LEAK_SECONDS, at_most))
    if rate is None or not request_based(kind):
        return Expected(about, at_most)
    window = evidence_seconds(rate)
    if window is None:
        return Expected(about + ERROR_WINDOW_SECONDS, None, rate)
    extra = window - ERROR_WINDOW_SECONDS
    return Expected(about + extra / 2, at_most + extra, rate)
