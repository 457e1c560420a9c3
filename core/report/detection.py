"""How long detection took, counted two ways and labelled: from the first sign of trouble in the data, and from
the injected fault the incident explains (when there is one). The first is what detection can do something about;
the second is what a person who pressed a fault button waited."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel

from core.models import Anomaly, InjectedFault, LogPattern, TimelineEvent
from core.report.timeline import clock

if TYPE_CHECKING:  # the view holds a Detection, so it is imported only for the signatures
    from core.report.view import Cause, Header, Impact

#: The analysis window opens this long before the first signal to catch the onset (core.orchestration.analysis);
#: a sign earlier than that lies outside what the agents read, so it is not counted as this incident's.
ONSET_LOOKBACK_S = 60.0


def seconds(value: float) -> str:
    """A delay as ``12 s`` or ``2 min 5 s``."""
    minutes, secs = divmod(round(value), 60)
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


class Detection(BaseModel):
    """When the incident was opened, its first sign in the data, and the injected fault it explains."""

    detected_at: float
    first_sign_ts: float
    first_sign: str  # what the first sign was, e.g. "checkout error_rate left its baseline"
    fault_ts: float | None = None  # start of the earliest injected fault the incident explains
    fault: str | None = None  # "error_rate on checkout"

    @property
    def after_first_sign(self) -> float:
        """Seconds from the first sign in the data to the incident being opened."""
        return max(0.0, self.detected_at - self.first_sign_ts)

    @property
    def after_fault(self) -> float | None:
        """Seconds from the injected fault to the incident being opened, None without one."""
        return None if self.fault_ts is None else max(0.0, self.detected_at - self.fault_ts)

    def sentence(self) -> str:
        """Both delays in words, each labelled: ``Detected 12 s after the injected fault (db_slow on postgres,
        12:05:00 UTC) and 3 s after the first sign in the data (...)`` (plain text: escape it where it goes)."""
        sign = f"the first sign in the data ({self.first_sign}, {clock(self.first_sign_ts)} UTC)"
        after_sign = f"{seconds(self.after_first_sign)} after {sign}"
        if self.fault is None or self.fault_ts is None:
            return f"Detected {after_sign}."
        fault = f"the injected fault ({self.fault}, {clock(self.fault_ts)} UTC)"
        return f"Detected {seconds(self.detected_at - self.fault_ts)} after {fault} and {after_sign}."


def first_sign(
    header: Header,
    scope: set[str],
    anomalies: Iterable[Anomaly],
    timeline: Iterable[TimelineEvent],
    patterns: Iterable[LogPattern],
    *,
    since: float,
) -> tuple[float, str]:
    """(time, description) of the earliest sign of trouble in ``scope``'s data from ``since`` on: a metric leaving
    its baseline or crossing a threshold, a new log pattern, or else the first detection signal."""
    signs = [(header.start_time, _first_signal(header))]
    signs += [(a.start_ts, f"{a.service} {a.metric} left its baseline") for a in anomalies if a.service in scope]
    signs += [(e.ts, e.description) for e in timeline if e.source == "metric" and e.service in scope]
    signs += [(p.first_seen, f"new {p.level} log pattern") for p in patterns if p.is_new and scope & set(p.services)]
    return min((s for s in signs if s[0] >= since), key=lambda s: s[0], default=signs[0])


def _first_signal(header: Header) -> str:
    first = min(header.signals, key=lambda s: s.ts, default=None)
    return f"{first.rule} rule on {first.service}" if first else "first detection signal"


def explained_fault(
    faults: Sequence[InjectedFault], header: Header, services: set[str], top: Cause | None
) -> InjectedFault | None:
    """The earliest injected fault that the incident explains: active between the onset window and the
    detection, on the top cause's service or kind, else on one of the incident's ``services``; None otherwise."""
    active = [
        f
        for f in faults
        if f.started_at <= header.detected_at
        and (f.stopped_at if f.stopped_at is not None else f.expires_at) >= header.start_time - ONSET_LOOKBACK_S
    ]
    named = [f for f in active if top is not None and (f.target == top.service or f.type == top.kind)]
    chosen = named or [f for f in active if f.target in services]
    return min(chosen, key=lambda f: f.started_at, default=None)


def detection_of(
    header: Header,
    impact: Impact,
    *,
    top: Cause | None,
    anomalies: Sequence[Anomaly] = (),
    timeline: Sequence[TimelineEvent] = (),
    patterns: Sequence[LogPattern] = (),
    faults: Sequence[InjectedFault] = (),
) -> Detection:
    """Both delays of one incident from its report's findings and the faults injected around it. The first sign
    is looked for on the incident's own services and its top cause's, within the onset window and not before
    the fault it explains (what came earlier belongs to something else, e.g. the incident before)."""
    own = {*header.services, *([top.service] if top else [])}
    fault = explained_fault(faults, header, {*own, *impact.services}, top)
    since = max(header.start_time - ONSET_LOOKBACK_S, fault.started_at if fault else float("-inf"))
    ts, text = first_sign(header, own, anomalies, timeline, patterns, since=since)
    return Detection(
        detected_at=header.detected_at,
        first_sign_ts=ts,
        first_sign=text,
        fault_ts=fault.started_at if fault else None,
        fault=f"{fault.type} on {fault.target}" if fault else None,
    )
