"""``faults``: the demo service's fault catalogue and the faults active now."""

from __future__ import annotations

import argparse
import json

from core.clock import SystemClock
from core.config import Settings
from core.sources.demo import open_demo
from demo_service import DemoService  # the composition root: the embedded demo shop


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "faults",
        help="list the fault kinds the demo service can inject, with their targets",
        description="Lists the demo service's fault catalogue (DEMO_SERVICE_URL, or an embedded one).",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    client, embedded = open_demo(settings.demo_service_url, SystemClock(), settings.demo_seed, DemoService)
    try:
        listing = client.faults()
    finally:
        client.close()
        if embedded is not None:
            embedded.stop()
    if args.json:
        print(json.dumps(listing.model_dump(mode="json"), indent=2))
        return 0
    width = max((len(kind.type) for kind in listing.catalogue), default=0) + 2
    for kind in listing.catalogue:
        print(f"{kind.type:<{width}}targets: {', '.join(kind.targets)} (default {kind.default_target})")
        print(f"{'':<{width}}{kind.description}")
    return 0
