"""``analyze``: root causes from a metrics CSV (and optional baseline and log files), without a running system."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from core.config import Settings
from core.offline.analysis import OfflineAnalysis, analyze, describe_split
from core.offline.graph import load_graph
from core.offline.loaders import UNKNOWN_SERVICE, InputError, load_logs, load_metrics
from core.sources.log_lines import parse_timestamp

MAX_EVIDENCE_LINES = 4  # evidence lines printed per hypothesis in the text output


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "analyze",
        help="analyse a metrics CSV (long or wide) and print the ranked root causes",
        description=(
            "Reads metrics as a long CSV (time,service,metric,value) or a wide CSV (a time column in unix "
            "seconds, milliseconds or ISO 8601, and one column per <service>_<metric>, e.g. carts-db_cpu, "
            "catalogue_lat_90). Without --baseline or --onset the first third of FILE is the baseline. Prints "
            "the ranked root causes with their evidence; exit code 2 on unusable input."
        ),
    )
    p.add_argument("--metrics", type=Path, required=True, metavar="FILE", help="metrics CSV to analyse")
    p.add_argument("--baseline", type=Path, metavar="FILE", help="metrics CSV of a normal period (same layout)")
    p.add_argument("--logs", type=Path, metavar="FILE", help="log file: plain text or JSON lines, with timestamps")
    p.add_argument(
        "--log-service",
        default=UNKNOWN_SERVICE,
        metavar="NAME",
        help=f"service of log lines that name none ({UNKNOWN_SERVICE})",
    )
    p.add_argument(
        "--graph",
        type=Path,
        metavar="FILE",
        help="call graph CSV: caller,callee lines, or an adjacency matrix (row A, column B non-zero: A calls B)",
    )
    p.add_argument(
        "--symptom",
        metavar="SERVICE[:METRIC]",
        help="what an alert reported (e.g. frontend:latency): the analysis explains it first",
    )
    p.add_argument(
        "--onset",
        metavar="TIME",
        help="when the incident began (unix seconds or ISO 8601): the window starts there, earlier samples of "
        "FILE join the baseline",
    )
    p.add_argument("--report", type=Path, metavar="FILE", help="also write the Markdown RCA report to FILE")
    p.add_argument("--json", action="store_true", help="print JSON instead of a summary")
    p.set_defaults(handler=run)


def analysis_for(args: argparse.Namespace, settings: Settings) -> tuple[OfflineAnalysis, list[str]]:
    """Read the files the arguments name and analyse them; the analysis and every warning."""
    metrics = load_metrics(args.metrics)
    baseline = load_metrics(args.baseline) if args.baseline else None
    graph = load_graph(args.graph) if args.graph else None
    logs, log_notes = load_logs(args.logs, default_service=args.log_service) if args.logs else ([], [])
    onset = _onset(args.onset) if args.onset else None
    result = analyze(metrics, baseline=baseline, logs=logs, settings=settings, graph=graph,
                     symptom=args.symptom, onset=onset)  # fmt: skip
    return result, [*result.warnings, *log_notes]


def _onset(text: str) -> float:
    ts = parse_timestamp(text)
    if ts is None:
        raise InputError(f"--onset {text!r}: expected unix seconds (or milliseconds) or an ISO 8601 time")
    return ts


def run(args: argparse.Namespace, settings: Settings) -> int:
    result, warnings = analysis_for(args, settings)
    if args.report:
        try:
            args.report.write_text(result.result.rca_markdown, encoding="utf-8")
        except OSError as exc:
            print(f"warning: could not write the report to {args.report}: {exc.strerror or exc}", file=sys.stderr)
    if args.json:
        print(json.dumps(result.to_json() | {"warnings": warnings}, indent=2))
        return 0
    for note in warnings:
        print(f"warning: {note}", file=sys.stderr)
    print(summary(result))
    return 0


def summary(result: OfflineAnalysis) -> str:
    """The text output: what was read, the split, and each root cause with its first evidence lines."""
    data = result.to_json()
    lines = [
        f"file: {data['file']} ({len(data['services'])} services, {data['series']} series)",
        describe_split(result),
    ]
    causes: list[dict[str, Any]] = data["root_causes"]
    if not causes:
        lines += ["root cause: no cause found", f"  {data['no_cause_reason'] or 'The agents named no cause.'}"]
        return "\n".join(lines)
    lines.append("root causes:")
    for rank, cause in enumerate(causes, start=1):
        lines.append(f"  {rank}. {cause['kind']} on {cause['service']} ({cause['confidence']:.0%})")
        for item in cause["evidence"][:MAX_EVIDENCE_LINES]:
            lines.append(f"     - {item['description']}")
    return "\n".join(lines)
