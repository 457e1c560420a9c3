"""Record a regression scenario: simulate a fault and keep the evidence of its incident's last analysis.

    python -m benchmarks.rca.record --fault memory_leak:payments:0.3 --seed 1 --name leak-payments-low \\
        [--expect payments:memory_leak] [--duration 240] [--out tests/scenarios]

Without ``--expect`` the injected faults are the expected causes (``--expect none``: no cause found).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from core import scenario
from core.agents.base import AnalysisContext
from core.cli.simulate_cmd import fault_spec
from core.config import load_settings
from core.simulation import FaultSpec, simulate
from demo_service import DemoService


def record(
    faults: list[FaultSpec],
    seed: int,
    duration: float,
    folder: Path,
    description: str,
    expected: list[tuple[str, str]] | None = None,
) -> str:
    """Simulate, then save the context of the first incident's latest analysis (``expected`` None: the
    injected faults are the answer); returns what the analysis found."""
    contexts: dict[str, AnalysisContext] = {}

    def keep(ctx: AnalysisContext) -> None:
        contexts[ctx.incident.id] = ctx

    with tempfile.TemporaryDirectory(prefix="record-") as tmp:
        result = simulate(
            faults,
            demo=DemoService,
            settings=load_settings(),
            duration=duration,
            warmup=300,
            seed=seed,
            db=Path(tmp) / "r.duckdb",
            observe=keep,
        )
    if not result.incidents:
        raise SystemExit("no incident was opened: nothing to record")
    first = result.incidents[0]
    injected = [{"type": f.type, "target": f.target, "intensity": f.intensity} for f in result.faults]
    if expected is None:
        expected = [(f.target, f.type) for f in result.faults]
    scenario.save(folder, contexts[first.id], description=description, faults=injected, expected=expected)
    causes = ", ".join(f"{h.kind}@{h.service} {h.confidence:.2f}" for h in first.root_causes[:3])
    return f"{folder}: {len(result.incidents)} incident(s); first analysed as: {causes or 'no cause'}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.rca.record", description=__doc__)
    parser.add_argument("--fault", action="append", type=fault_spec, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duration", type=float, default=240.0)
    parser.add_argument("--name", required=True)
    parser.add_argument("--description", default="")
    parser.add_argument("--expect", action="append", default=None, help="SERVICE:KIND, repeatable, or 'none'")
    parser.add_argument("--out", type=Path, default=Path("tests/scenarios"))
    args = parser.parse_args(argv)
    expected: list[tuple[str, str]] | None = None
    if args.expect == ["none"]:
        expected = []
    elif args.expect:
        expected = [(service, kind) for service, _, kind in (e.partition(":") for e in args.expect)]
    description = args.description or " + ".join(f"{f.type}@{f.target}:{f.intensity:g}" for f in args.fault)
    print(record(args.fault, args.seed, args.duration, args.out / args.name, description, expected))
    return 0


if __name__ == "__main__":
    sys.exit(main())
