"""``incidents``: list, show and export stored incidents."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from core.config import Settings
from core.report.exports import FORMATS, export_incident
from core.store import Store


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("incidents", help="list, show or export stored incidents")
    sub = p.add_subparsers(dest="action", required=True, metavar="ACTION")

    ls = sub.add_parser("list", help="list incidents, newest first")
    ls.add_argument("--status", choices=["OPEN", "INVESTIGATING", "RESOLVED"], action="append")
    ls.add_argument("--limit", type=int, default=50)
    ls.add_argument("--json", action="store_true", help="print JSON")

    show = sub.add_parser("show", help="show one incident with its RCA report")
    show.add_argument("id", help="incident id (or a unique prefix)")
    show.add_argument("--json", action="store_true", help="print JSON")

    export = sub.add_parser("export", help="write an incident's report to stdout or a file")
    export.add_argument("id", help="incident id (or a unique prefix)")
    export.add_argument(
        "--format",
        choices=FORMATS,
        default="md",
        help="md: the RCA report; html: one self-contained file with the charts; json: everything; csv: one row",
    )
    export.add_argument("--output", "-o", type=Path, default=None, help="file to write (default: stdout)")

    for parser in (ls, show, export):
        parser.add_argument("--db", type=Path, default=None, help="DuckDB file (default: INCIDENT_DB_PATH)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    store = Store(args.db or settings.incident_db_path)
    try:
        if args.action == "list":
            incidents = store.list_incidents(statuses=args.status, limit=args.limit)
            if args.json:
                print(json.dumps([i.model_dump(mode="json", exclude={"final_summary"}) for i in incidents], indent=2))
            for incident in [] if args.json else incidents:
                cause = f"{incident.root_cause_kind}@{incident.root_cause_service}" if incident.root_cause_kind else "-"
                print(
                    f"{incident.id[:8]}  {_time(incident.detected_at)}  {incident.severity}  "
                    f"{incident.status:<13} {cause:<28} {incident.title}"
                )
            return 0
        incident_id = store.resolve_incident_id(args.id)
        if args.action == "show":
            incident = store.get_incident(incident_id)
            if args.json:
                print(json.dumps(incident.model_dump(mode="json"), indent=2))
            else:
                print(incident.rca_markdown or f"{incident.title}\n(analysis: {incident.analysis_status})")
            return 0
        name, _, content = export_incident(store, incident_id, args.format, settings=settings, now=time.time())
        if args.output is None:
            sys.stdout.write(content.decode())
        else:
            args.output.write_bytes(content)
            print(f"wrote {args.output} ({len(content)} bytes; suggested name {name})", file=sys.stderr)
        return 0
    finally:
        store.close()


def _time(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")
