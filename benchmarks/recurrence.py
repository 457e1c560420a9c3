"""Recurring faults: does a repeat find its earlier occurrence, and does a first occurrence find nothing?

    python -m benchmarks.recurrence [--seeds 1-3] [--gap 300] [--fault-seconds 120] [--jobs 2]

Each session runs the demo shop on a virtual clock with a schedule of faults, one every ``--gap`` seconds,
some of which repeat (the same kind on the same target, minutes apart, among others). Each fault is matched to
the first incident detected while it ran (or within the gap after it). Printed: for repeats, the share whose
most similar earlier incident (``similar_incidents``, at or above SIMILARITY_THRESHOLD) explains a fault of
the same (target, kind), also the share whose most similar incident was given that (service, kind) as its
cause; for first occurrences, the share with no similar incident at or above the threshold. Exits 1 below 90%.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from core.clock import VirtualClock
from core.config import Settings, load_settings
from core.models import InjectedFault
from core.runtime import Runtime
from core.simulation import SIMULATION_START, WRITE_BEHIND_SECONDS, SimulatedIncident, seeded_ids, similar_earlier
from demo_service import DemoService

#: Faults (kind:target) of a session, in the order of the first seed; later seeds rotate it. Neighbours that look
#: alike are in on purpose: two kinds on one service (errors and a bad deploy) and one kind on two services.
FAULTS = (
    "error_rate:checkout",
    "db_slow:postgres",
    "latency_spike:checkout",
    "dependency_down:payment-gateway",
    "bad_deploy:checkout",
    "memory_leak:checkout",
    "cpu_saturation:catalog",
    "latency_spike:catalog",
)
REPEATED = (0, 2, 4, 1)  # positions (in the rotated order) of the faults that come back, in this order
TARGET = 0.9


@dataclass(frozen=True)
class Outcome:
    """One scheduled fault: whether it repeats an earlier one, the incident it opened and what that one found."""

    seed: int
    fault: str  # kind@target
    repeat: bool
    incident: str | None
    most_similar_fault: str | None  # the fault the most similar earlier incident explains
    most_similar_cause: str | None  # the cause that incident was given (kind@service)
    similar_count: int


def schedule(seed: int) -> list[str]:
    """The faults of one session: every fault once (rotated by the seed), then four of them again."""
    shift = (seed - 1) % len(FAULTS)
    order = list(FAULTS[shift:] + FAULTS[:shift])
    return order + [order[i] for i in REPEATED]


def run_session(seed: int, gap: float, fault_seconds: float, settings: Settings) -> list[Outcome]:
    """Run one session and match each fault to its incident."""
    kinds = schedule(seed)
    with tempfile.TemporaryDirectory() as tmp:
        run_settings = settings.model_copy(
            update={"incident_db_path": Path(tmp) / "r.duckdb", "demo_seed": seed, "demo_service_url": None}
        )
        clock = VirtualClock(SIMULATION_START)
        runtime = Runtime.start(
            run_settings,
            demo=DemoService,
            clock=clock,
            run_scheduler=False,
            synchronous_analysis=True,
            new_id=seeded_ids(seed),
            write_behind_seconds=WRITE_BEHIND_SECONDS,
            in_process_demo=True,
            notify=False,
        )
        try:
            faults = _drive(runtime, clock, kinds, gap, fault_seconds, run_settings.detection_interval_seconds)
            incidents = sorted(runtime.store.list_incidents(limit=10_000), key=lambda i: i.detected_at)
            simulated = [
                SimulatedIncident.of(i, None, similar_earlier(runtime.store, i, run_settings)) for i in incidents
            ]
        finally:
            runtime.close()
    return score(seed, faults, simulated, gap)


def _drive(
    runtime: Runtime, clock: VirtualClock, kinds: Sequence[str], gap: float, length: float, step: float
) -> list[InjectedFault]:
    """Warm up 300 s, then inject one fault every ``gap`` seconds; run a gap after the last."""
    injected: list[InjectedFault] = []
    start = SIMULATION_START + 300
    end = start + gap * len(kinds)
    runtime.monitor.tick()
    while clock.now() < end:
        due = int((clock.now() - start) // gap)
        if 0 <= due < len(kinds) and len(injected) == due:
            kind, target = kinds[due].split(":")
            injected.append(runtime.inject_fault(kind, target, 1.0, length))
        clock.advance(step)
        runtime.monitor.tick()
    return injected


def score(
    seed: int, faults: Sequence[InjectedFault], incidents: Sequence[SimulatedIncident], gap: float
) -> list[Outcome]:
    """Match faults to incidents (the first detected within ``gap`` of the fault's start) and read their matches."""
    fault_of: dict[str, str] = {}
    seen: set[str] = set()
    outcomes = []
    for fault in faults:
        name = f"{fault.type}@{fault.target}"
        incident = next(
            (
                i
                for i in incidents
                if fault.started_at <= i.detected_at < fault.started_at + gap and i.id not in fault_of
            ),
            None,
        )
        if incident is not None:
            fault_of[incident.id] = name
        top = incident.similar_incidents[0] if incident and incident.similar_incidents else None
        outcomes.append(
            Outcome(
                seed=seed,
                fault=name,
                repeat=name in seen,
                incident=incident.id if incident else None,
                most_similar_fault=fault_of.get(top.id) if top else None,
                most_similar_cause=f"{top.root_cause.kind}@{top.root_cause.service}" if top else None,
                similar_count=len(incident.similar_incidents) if incident else 0,
            )
        )
        seen.add(name)
    return outcomes


def _share(hits: int, total: int) -> str:
    return f"{hits}/{total} = {hits / total:.0%}" if total else "0/0"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", default="1-3")
    parser.add_argument("--gap", type=float, default=300.0, help="seconds between fault starts (300)")
    parser.add_argument("--fault-seconds", type=float, default=120.0, help="seconds each fault lasts (120)")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    low, _, high = args.seeds.partition("-")
    seeds = list(range(int(low), int(high or low) + 1))
    settings = load_settings()
    with ProcessPoolExecutor(args.jobs) as pool:
        sessions = list(
            pool.map(
                run_session, seeds, [args.gap] * len(seeds), [args.fault_seconds] * len(seeds), [settings] * len(seeds)
            )
        )
    rows = [o for session in sessions for o in session]
    print(f"{'seed':>4}  {'fault':<32}{'repeat':>7}  {'incident':<10}{'similar':>8}  {'most similar: fault / cause'}")
    for o in rows:
        match = f"{o.most_similar_fault or '-'} / {o.most_similar_cause or '-'}"
        incident = (o.incident or "none")[:8]
        repeat = "yes" if o.repeat else "no"
        print(f"{o.seed:>4}  {o.fault:<32}{repeat:>7}  {incident:<10}{o.similar_count:>8}  {match}")
    repeats = [o for o in rows if o.repeat]
    firsts = [o for o in rows if not o.repeat]
    same_fault = sum(o.most_similar_fault == o.fault for o in repeats)
    same_cause = sum(o.most_similar_cause == o.fault for o in repeats)
    alone = sum(o.similar_count == 0 for o in firsts)
    threshold = settings.similarity_threshold
    missed = sum(o.incident is None for o in rows)
    print(f"\nSIMILARITY_THRESHOLD {threshold}; faults without an incident: {missed}/{len(rows)}")
    print(f"repeats whose most similar incident had the same (service, kind) fault: {_share(same_fault, len(repeats))}")
    print(
        "repeats whose most similar incident was given that (service, kind) as its cause:",
        _share(same_cause, len(repeats)),
    )
    print(f"first occurrences with no similar incident at or above the threshold: {_share(alone, len(firsts))}")
    ok = repeats and firsts and same_fault / len(repeats) >= TARGET and alone / len(firsts) >= TARGET
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
