"""The vocabulary of fault signatures: metric and log cues, playbook steps, and the Signature itself."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from core.models import LATENCY_P50_MS, LATENCY_P95_MS, LATENCY_P99_MS

Location = Literal["service", "database", "cache", "external"]
Where = Literal["self", "callers", "callees"]

LATENCY = frozenset({LATENCY_P50_MS, LATENCY_P95_MS, LATENCY_P99_MS})
DATABASE_NAME = re.compile(r"postgres|mysql|mariadb|mongo|sql|(^|[-_])db($|[-_])|database", re.IGNORECASE)
CACHE_NAME = re.compile(r"cache|redis|memcache|valkey", re.IGNORECASE)
SAFE_NAME = re.compile(r"^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$")  # a Kubernetes (DNS-1123) name


@dataclass(frozen=True, slots=True)
class MetricCue:
    """A metric that rises when the kind is present, on the culprit itself or on its direct callers."""

    metric: str
    weight: float
    where: Where = "self"
    primary: bool = True  # a primary cue alone makes the (target, kind) pair a candidate


@dataclass(frozen=True, slots=True)
class LogCue:
    """A log feature (regex over template and example line) that the culprit or its callers log."""

    label: str  # e.g. "slow-query logs", used in evidence
    pattern: re.Pattern[str]
    weight: float
    where: Where = "self"
    levels: frozenset[str] = frozenset({"WARN", "ERROR"})  # empty: any level
    exclude: re.Pattern[str] | None = None
    names_target: bool = False  # the line must name the culprit (calls to an external dependency)
    event: bool = False  # a one-off event (a deploy): one line absent from the baseline is full strength
    primary: bool = True  # False: supports the kind but cannot make it a candidate on its own

    def matches(self, text: str, level: str, target: str) -> bool:
        """True when a line's ``text`` (template and example) at ``level`` shows this feature for ``target``."""
        if self.levels and level not in self.levels:
            return False
        if not self.pattern.search(text) or (self.exclude is not None and self.exclude.search(text)):
            return False
        return not self.names_target or target.lower() in text.lower()


@dataclass(frozen=True, slots=True)
class Step:
    """A playbook action; ``{service}``, ``{callers}`` and ``{caller}`` are filled in for the incident."""

    title: str
    detail: str = ""
    command: str | None = None


@dataclass(frozen=True, slots=True)
class Signature:
    """What one fault kind looks like and where it can occur.

    ``explains``: metrics this kind makes anomalous on the culprit (and, when ``propagates``, on the
    services upstream of it, or downstream for load that flows from the entry point to its callees:
    ``direction="down"``). ``against``: metrics on the culprit whose rise points at another cause;
    ``against_logs``: log features whose presence does. ``required_logs``: labels of ``log_cues`` without
    which the kind is only a weak candidate (a bad deploy needs its deploy event).
    ``healthy_callees``: metrics that stay normal on the culprit's callees (else a callee is the culprit).
    ``headline``: how the report names it, with ``{service}``; load is named as capacity, not as a fault.
    ``local``: metrics of ``explains`` that rise on the culprit only (its own CPU, its own disk), never on
    the services it reaches. ``detected_by``: detection rules whose signal on the target alone makes the kind a
    candidate, for kinds that leave no metric or log of their own (a target that stops answering).
    ``additive``: its symptoms add up along calls (latency, failed requests), so a culprit explains at most
    its own rise of a caller's, and a callee at most its own rise of the culprit's.
    """

    kind: str
    label: str
    locations: frozenset[Location]
    metric_cues: tuple[MetricCue, ...]
    log_cues: tuple[LogCue, ...]
    explains: frozenset[str]
    propagates: bool
    against: tuple[str, ...] = ()
    healthy_callees: tuple[str, ...] = ()
    signal_rules: tuple[str, ...] = ()  # detection rules that point at this kind
    direction: Literal["up", "down"] = "up"
    against_logs: tuple[LogCue, ...] = ()
    required_logs: tuple[str, ...] = ()  # labels of log_cues
    headline: str = ""
    local: frozenset[str] = frozenset()  # metrics of ``explains`` that only the culprit itself shows
    additive: bool = False  # weigh what it explains, and a sick callee, by the size of each rise
    immediate: tuple[Step, ...] = ()
    prevention: tuple[Step, ...] = ()
    detected_by: tuple[str, ...] = ()


def rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)
