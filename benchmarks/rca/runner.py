"""Run the benchmark's simulations in worker processes, streaming one JSON row per run."""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks.rca.plan import Run
from benchmarks.rows import in_workers, row_log
from core.config import load_settings
from core.simulation import simulate
from demo_service import DemoService

WARMUP_SECONDS = 300.0


def run_one(run: Run) -> dict:
    """Simulate ``run`` and keep what scoring needs: faults, and per incident its delay and hypotheses."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rca-bench-") as tmp:
        result = simulate(
            list(run.faults),
            demo=DemoService,
            settings=load_settings(),  # in each worker process: the environment the benchmark was started with
            duration=run.duration,
            warmup=WARMUP_SECONDS,
            seed=run.seed,
            db=Path(tmp) / "b.duckdb",
        )
    return {
        "group": run.group,
        "label": run.label,
        "seed": run.seed,
        "duration": run.duration,
        "warmup": WARMUP_SECONDS,
        "faults": [{"type": f.type, "target": f.target, "intensity": f.intensity} for f in result.faults],
        "incidents": [
            {
                "title": incident.title,
                "services": incident.services,
                "detection_delay_s": incident.detection_delay_s,
                "analysis_status": incident.analysis_status,
                "root_causes": [
                    cause.model_dump(mode="json", exclude={"evidence"}) | {"evidence": len(cause.evidence)}
                    for cause in incident.root_causes
                ],
            }
            for incident in result.incidents
        ],
        "wall_seconds": round(time.perf_counter() - started, 2),
    }


def run_all(runs: Sequence[Run], jobs: int, on_row: Callable[[dict, int], None]) -> list[dict]:
    """Every run, ``jobs`` at a time, longest first; ``on_row(row, done)`` as each one finishes."""
    return in_workers(run_one, sorted(runs, key=lambda r: -r.duration), jobs, on_row)


def progress(total: int, out: Path | None) -> Callable[[dict, int], None]:
    """A callback that prints one line per finished run to stderr and appends the row to ``out``."""
    save = row_log(out)

    def on_row(row: dict, done: int) -> None:
        top = row["incidents"][0]["root_causes"][:1] if row["incidents"] else []
        cause = f"{top[0]['kind']}@{top[0]['service']} {top[0]['confidence']:.2f}" if top else "no cause"
        found = f"{len(row['incidents'])} incident(s), {cause}" if row["incidents"] else "no incident"
        print(
            f"[{done}/{total}] {row['label']} seed {row['seed']}: {found} ({row['wall_seconds']:.1f} s)",
            file=sys.stderr,
            flush=True,
        )
        save(row)

    return on_row
