"""Argument parsing and dispatch; each command lives in its own module."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from core.cli import analyze_cmd, calibrate_cmd, faults_cmd, incidents_cmd, simulate_cmd, watch_cmd
from core.config import load_settings
from core.errors import IncidentToolError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m core.cli",
        description="Incident detection and root-cause analysis, without the UI.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    simulate_cmd.register(commands)
    watch_cmd.register(commands)
    faults_cmd.register(commands)
    incidents_cmd.register(commands)
    analyze_cmd.register(commands)
    calibrate_cmd.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command with the settings built once from the environment; our own errors (an invalid
    setting among them) print as one line on stderr with exit code 2."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.handler(args, load_settings()) or 0)
    except IncidentToolError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
