"""Incident lifecycle: confirm signals, group them into one incident per problem, escalate, resolve.

One problem = one connected part of the dependency graph: a slow database makes checkout and frontend
slow too, and all of it is one incident. While that incident is open, new signals join it (and may
raise its severity) instead of opening another. It resolves once no signal has fired in its part of
the graph for ``RESOLVE_AFTER_SECONDS``.

An incident in which no signal has fired for ``RECOVERING_FRACTION`` of that wait is recovering: a confirmed
signal (rule, service) it never had is then a new problem, not more of the old one, so the recovering incident
resolves and the new signals open their own incident. Its own signals coming back alone rejoin it (a problem
that flaps is one incident).

Severity by impact (documented in the README):

- SEV1: a user-facing service (one nobody calls) fails at least 25% of requests.
- SEV2: a user-facing service's error rate or p95 latency is over its threshold, or memory is over the
  threshold (an out-of-memory crash is near).
- SEV3: an internal service's error rate or latency is over threshold, or slow-query / connection-error logs,
  or a new or surging error log pattern.
- SEV4: an early warning only (memory heading for the threshold).

A signal that states its own severity keeps it: an alert's ``severity`` label (``core.alerts``), and a target
that stops answering (``TARGET_DOWN_SEVERITY``). Alerts skip confirmation: their rule's own ``for:`` confirmed them.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from core.config import Settings
from core.models import Incident, Severity, Signal, Topology

SEV1_ERROR_RATE = 0.25
#: An incident quiet for this share of RESOLVE_AFTER_SECONDS is recovering (see the module docstring).
RECOVERING_FRACTION = 0.5
_RANK = {"SEV1": 1, "SEV2": 2, "SEV3": 3, "SEV4": 4}
#: Rules whose signals were confirmed before they reached us (an alert fires only after its rule's ``for:``).
CONFIRMED_RULES = frozenset({"alert"})


def signal_severity(signal: Signal, topology: Topology) -> Severity:
    """Severity of one signal by its impact on users (see module docstring)."""
    if signal.severity is not None:
        return signal.severity
    user_facing = signal.service in topology.services and not topology.callers(signal.service)
    if signal.rule == "memory_trend":
        return "SEV4"
    if signal.rule == "memory":
        return "SEV2"
    if signal.rule in ("error_rate", "latency_p95") and user_facing:
        if signal.rule == "error_rate" and signal.value >= SEV1_ERROR_RATE:
            return "SEV1"
        return "SEV2"
    return "SEV3"


def worst(severities: Sequence[Severity]) -> Severity:
    """The most severe of several severities (SEV1 is worst)."""
    return min(severities, key=_RANK.__getitem__, default="SEV4")


def fingerprint_of(service: str, topology: Topology) -> str:
    """Stable id of the problem area a service belongs to."""
    component = ",".join(sorted(_connected(service, topology)))
    return "component:" + hashlib.sha1(component.encode()).hexdigest()[:12]


def _connected(service: str, topology: Topology) -> set[str]:
    seen, stack = {service}, [service]
    while stack:
        current = stack.pop()
        for neighbour in topology.callers(current) + topology.callees(current):
            if neighbour not in seen:
                seen.add(neighbour)
                stack.append(neighbour)
    return seen


def _pairs(incident: Incident) -> set[tuple[str, str]]:
    """The (rule, service) pairs of an incident's signals."""
    return {(s.rule, s.service) for s in incident.signals}


def title_for(signal: Signal) -> str:
    """A short human title for the signal that opened an incident."""
    service = signal.service
    titles = {
        "error_rate": f"High error rate on {service} ({signal.value:.0%})",
        "latency_p95": f"High p95 latency on {service} ({signal.value / 1000:.1f} s)",
        "memory": f"High memory on {service} ({signal.value:.0f} MB)",
        "memory_trend": f"Memory growing on {service} (heading past {signal.threshold:.0f} MB)",
        "anomaly": f"Unusual {signal.metric} on {service} (left its learned normal)",
        "slow_query_logs": f"Slow database queries reported by {service}",
        "connection_error_logs": f"Connection errors reported by {service}",
        "cpu": f"CPU saturated on {service} ({signal.value:.0f}%)",
        "disk": f"Disk almost full on {service} ({signal.value:.0f}%)",
        "db_pool": f"Connection pool exhausted on {service} ({signal.value:.0%} in use)",
        "log_pattern": f"New or surging error log pattern on {service}",
        "target_down": f"Target down: {service} does not answer",
        "alert": signal.message.partition(" (")[0],
    }
    return titles.get(signal.rule, signal.message)


@dataclass(frozen=True)
class IncidentEvent:
    """What the lifecycle decided on one tick for one incident."""

    kind: Literal["opened", "updated", "resolved"]
    incident: Incident
    new_signals: tuple[Signal, ...] = ()
    escalated: bool = False


@dataclass
class IncidentTracker:
    """Decides openings, joins and resolutions; keeps only confirmation state in memory."""

    settings: Settings
    new_id: Callable[[], str] = field(default=lambda: str(uuid.uuid4()))
    _streaks: dict[tuple[str, str], tuple[int, float]] = field(default_factory=dict)
    _last_fired: dict[str, float] = field(default_factory=dict)
    _own_last: dict[str, float] = field(default_factory=dict)  # incident id -> last poll one of its signals fired

    @property
    def confirm_ticks(self) -> int:
        """Consecutive polls a rule must fire on before it counts (CONFIRMATION_SECONDS / interval)."""
        return max(
            1,
            round(self.settings.confirmation_seconds / self.settings.detection_interval_seconds),
        )

    def observe(
        self,
        signals: Sequence[Signal],
        now: float,
        topology: Topology,
        open_incidents: Sequence[Incident],
        *,
        data_ok: bool = True,
    ) -> list[IncidentEvent]:
        """Feed one poll's firing signals; returns what happened to incidents on this poll."""
        confirmed = self._confirm(signals)
        by_fingerprint = {incident.fingerprint: incident for incident in open_incidents}
        groups: dict[str, list[Signal]] = {}
        for signal in signals:
            fp = fingerprint_of(signal.service, topology)
            self._last_fired[fp] = now
            groups.setdefault(fp, []).append(signal)

        events: list[IncidentEvent] = []
        for fp, group in groups.items():
            incident = by_fingerprint.get(fp)
            if incident is None:
                if any(s in confirmed for s in group):
                    events.append(self._open(fp, group, now, topology))
                continue
            fresh = [s for s in group if (s.rule, s.service) not in _pairs(incident)]
            if fresh and self._recovering(incident, now):
                if any(s in confirmed for s in fresh):  # a new problem: the recovering one is over
                    events.append(self._resolve(incident, self._own_last[incident.id], now, "a new problem began"))
                    events.append(self._open(fp, group, now, topology))
                continue  # not confirmed yet: neither joins the recovering incident nor resolves it
            self._own_last[incident.id] = now
            event = self._join(incident, group, now, topology)
            if event is not None:
                events.append(event)
        if data_ok:
            done = {event.incident.id for event in events if event.kind == "resolved"}
            events.extend(self._resolve_quiet([i for i in open_incidents if i.id not in done], now))
        for event in events:
            if event.kind == "opened":
                self._own_last[event.incident.id] = now
            elif event.kind == "resolved":
                self._own_last.pop(event.incident.id, None)
        return events

    def _recovering(self, incident: Incident, now: float) -> bool:
        """True when no signal has joined or repeated in the incident for ``RECOVERING_FRACTION`` of the resolve
        wait before this poll."""
        last = self._own_last.setdefault(incident.id, incident.updated_at or incident.detected_at)
        return now - last >= RECOVERING_FRACTION * self.settings.resolve_after_seconds

    def _confirm(self, signals: Sequence[Signal]) -> list[Signal]:
        """Advance each rule's streak of consecutive firing polls; returns the signals confirmed now."""
        streaks: dict[tuple[str, str], tuple[int, float]] = {}
        for signal in signals:
            key = (signal.rule, signal.service)
            count, first_ts = self._streaks.get(key, (0, signal.ts))
            if signal.rule in CONFIRMED_RULES:
                count = max(count, self.confirm_ticks - 1)
            streaks[key] = (count + 1, first_ts)
        self._streaks = streaks
        return [s for s in signals if streaks[(s.rule, s.service)][0] >= self.confirm_ticks]

    def _open(self, fp: str, group: list[Signal], now: float, topology: Topology) -> IncidentEvent:
        lead = min(
            group,
            key=lambda s: (_RANK[signal_severity(s, topology)], s.rule, s.service),
        )
        first_seen = min(self._streaks.get((s.rule, s.service), (1, s.ts))[1] for s in group)
        incident = Incident(
            id=self.new_id(),
            status="OPEN",
            severity=worst([signal_severity(s, topology) for s in group]),
            title=title_for(lead),
            start_time=first_seen,
            detected_at=now,
            updated_at=now,
            fingerprint=fp,
            services=sorted({s.service for s in group}),
            signals=list(group),
        )
        return IncidentEvent("opened", incident, tuple(group))

    def _join(self, incident: Incident, group: list[Signal], now: float, topology: Topology) -> IncidentEvent | None:
        known = {(s.rule, s.service) for s in incident.signals}
        fresh = [s for s in group if (s.rule, s.service) not in known]
        severity = worst([incident.severity] + [signal_severity(s, topology) for s in group])
        if not fresh and severity == incident.severity:
            return None
        updated = incident.model_copy(
            update={
                "signals": incident.signals + fresh,
                "services": sorted(set(incident.services) | {s.service for s in fresh}),
                "severity": severity,
                "updated_at": now,
            }
        )
        return IncidentEvent("updated", updated, tuple(fresh), escalated=severity != incident.severity)

    def _resolve_quiet(self, open_incidents: Sequence[Incident], now: float) -> list[IncidentEvent]:
        events = []
        for incident in open_incidents:
            last = self._last_fired.get(incident.fingerprint, incident.detected_at)
            if now - last >= self.settings.resolve_after_seconds:
                events.append(self._resolve(incident, last, now, ""))
        return events

    def _resolve(self, incident: Incident, last: float, now: float, why: str) -> IncidentEvent:
        """The incident resolved by itself: its signals last fired at ``last`` (``why``: what else happened)."""
        quiet = (
            f"Signals normal for {now - last:.0f} s"
            if why
            else (f"Signals normal for {self.settings.resolve_after_seconds:.0f} s")
        )
        resolved = incident.model_copy(
            update={
                "status": "RESOLVED",
                "end_time": last + self.settings.detection_interval_seconds,
                "updated_at": now,
                "resolved_by": "auto",
                "resolution_note": f"{quiet} when {why}" if why else quiet,
            }
        )
        return IncidentEvent("resolved", resolved)
