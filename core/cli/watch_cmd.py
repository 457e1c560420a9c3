"""``watch``: the real-time detection loop without the UI, one JSON line per incident event."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from core.config import Settings
from core.models import Incident, root_causes
from core.runtime import Runtime, SourceStatus
from demo_service import DemoService  # the composition root: the embedded demo shop

POLL_SECONDS = 1.0
#: At the end of ``--duration``, how long to wait for notifications that are due to be sent.
NOTIFY_DRAIN_SECONDS = 10.0


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "watch",
        help="run detection and analysis in real time against the configured sources",
        description=(
            "Runs the detection loop on the wall clock against the configured sources (the embedded demo "
            "service by default) and prints a JSON line when an incident opens, when its analysis is done, "
            "when it resolves, and when a source fails or answers again. Notifications go to the configured "
            "channels (NOTIFICATIONS_FILE, NOTIFY_WEBHOOK_URL) as in the app."
        ),
    )
    p.add_argument("--duration", type=float, default=None, help="stop after this many seconds (default: never)")
    p.add_argument("--json", action="store_true", help="print JSON lines (the default output is also JSON)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    runtime = Runtime.start(settings, demo=DemoService)
    print(json.dumps({"event": "started", "demo_service": runtime.demo_service_url()}), flush=True)
    seen: dict[str, tuple[str, str]] = {}
    sources_ok: dict[str, bool] = {}
    deadline = None if args.duration is None else time.monotonic() + args.duration
    try:
        while deadline is None or time.monotonic() < deadline:
            for source in runtime.source_statuses():
                if sources_ok.get(source.name, True) != source.ok:
                    print(json.dumps(_source_line(source)), flush=True)
                sources_ok[source.name] = source.ok
            for incident in runtime.store.list_incidents(limit=100):
                for line in _changes(incident, seen.get(incident.id)):
                    print(json.dumps(line), flush=True)
                seen[incident.id] = (incident.status, incident.analysis_status)
            time.sleep(POLL_SECONDS)
        runtime.notifier.drain(NOTIFY_DRAIN_SECONDS)
    finally:
        runtime.close()
    return 0


def _source_line(source: SourceStatus) -> dict[str, Any]:
    """A source that started failing, or answered again."""
    return {
        "event": "source_recovered" if source.ok else "source_failed",
        "source": source.name,
        "target": source.target,
        "error": None if source.ok else source.last_error,
        "last_success": source.last_success,
    }


def _changes(incident: Incident, before: tuple[str, str] | None) -> list[dict[str, Any]]:
    """The events to print for an incident given what was printed before."""
    status, analysis = incident.status, incident.analysis_status
    events = []
    if before is None:
        events.append(_line("opened", incident))
    if analysis in ("done", "partial", "failed") and (before is None or before[1] != analysis):
        events.append(_line("analyzed", incident))
    if status == "RESOLVED" and (before is None or before[0] != "RESOLVED"):
        events.append(_line("resolved", incident))
    return events


def _line(event: str, incident: Incident) -> dict[str, Any]:
    line: dict[str, Any] = {
        "event": event,
        "id": incident.id,
        "severity": incident.severity,
        "status": incident.status,
        "title": incident.title,
        "services": incident.services,
        "detected_at": incident.detected_at,
        "analysis_status": incident.analysis_status,
    }
    if event == "analyzed":
        line["root_causes"] = [cause.model_dump(mode="json", exclude={"evidence"}) for cause in root_causes(incident)]
        view = incident.final_summary  # each revision of the analysis is printed: which one, and is it news
        line["revision"] = view.revision if view else None
        line["cause_changed"] = view.cause_changed if view else None
    return line
