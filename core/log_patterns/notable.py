"""Which log patterns matter to an SRE reading an incident, and in which order.

Notable: an error or warning pattern that is new or surging (``surge.NOTABLE``). Among notable patterns,
the ones that do not merely echo another service's trouble come first: a caller's "Call to checkout took
2090 ms" names a service that reports its own problem ("Slow request ... took 2089 ms"), so the callee's
pattern, nearer the cause, goes first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from core.log_patterns.surge import is_surging
from core.models import LogPattern

NOTABLE_LEVELS = ("ERROR", "WARN")


def notable(pattern: LogPattern) -> bool:
    """An error or warning pattern that is new or surging."""
    return pattern.level in NOTABLE_LEVELS and is_surging(pattern)


def echoes(pattern: LogPattern, troubled: set[str]) -> bool:
    """True when ``pattern`` names another service that has notable patterns of its own."""
    text = f"{pattern.template} {pattern.example}"
    others = troubled - set(pattern.services)
    return any(re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text) for name in others)


def origin_first(patterns: Sequence[LogPattern], services: Sequence[str]) -> list[LogPattern]:
    """Notable patterns first, those that do not echo another troubled service before those that do;
    the rest keep the order ``summarize`` gave them."""
    troubled = {s for p in patterns if notable(p) for s in p.services} & set(services)

    def rank(pattern: LogPattern) -> int:
        if not notable(pattern):
            return 2
        return 1 if echoes(pattern, troubled) else 0

    return sorted(patterns, key=rank)
