"""``faults``: the demo service's fault catalogue and the faults active now."""

from __future__ import annotations

import argparse
import json

from core.config import Settings
from core.sources.demo import DemoServiceClient


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "faults",
        help="list the fault kinds the demo service can inject, with their targets",
        description="Lists the demo service's fault catalogue (DEMO_SERVICE_URL, or an embedded one).",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    embedded = None
    if settings.demo_service_url:
        url = settings.demo_service_url
    else:
        from demo_service import DemoService

        embedded = DemoService(seed=settings.demo_seed)
        url = embedded.start(host="127.0.0.1", port=0)
    try:
        catalogue, active = DemoServiceClient(url).faults()
    finally:
        if embedded is not None:
            embedded.stop()
    if args.json:
        print(json.dumps({"catalogue": [k.model_dump() for k in catalogue], "active": active}, indent=2))
        return 0
    width = max((len(kind.type) for kind in catalogue), default=0) + 2
    for kind in catalogue:
        print(f"{kind.type:<{width}}targets: {', '.join(kind.targets)} (default {kind.default_target})")
        print(f"{'':<{width}}{kind.description}")
    return 0
