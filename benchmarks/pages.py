"""Page render times with a full database: 1,000 analysed incidents and 24 h of metrics for every demo service.

    python -m benchmarks.pages [--incidents 1000] [--hours 24] [--runs 5] [--db PATH]

Seeds a DuckDB file (every metric of every demo service at the 5 s poll), starts the app's own runtime on it
and renders each page with ``streamlit.testing.v1.AppTest`` ``--runs`` times with cold query caches (the
cached query answers are dropped before each run, so each run reads the database). Prints per-page median
and max in seconds against the 1.5 s target. Times are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 1.5
MAIN = str(Path(__file__).resolve().parents[1] / "app" / "shell.py")
PAGES = {
    "dashboard": "../pages/dashboard.py",
    "incidents": "../pages/incidents.py",
    "incident": "../pages/incident.py",
    "faults": "../pages/faults.py",
    "status": "../pages/status.py",
}


def seed(db: Path, incidents: int, hours: float) -> str:
    """Fill ``db``; returns the id of the newest incident (the one the incident page opens)."""
    from benchmarks.ui_seed import seed_incidents, seed_metrics
    from core.store import Store

    store = Store(db)
    try:
        now = time.time()
        started = time.perf_counter()
        ids = seed_incidents(store, now, incidents, span_seconds=hours * 3600)
        samples = seed_metrics(store, now, hours * 3600)
        print(
            f"seeded {len(ids)} incidents with analyses and {samples:,} metric samples "
            f"({hours:g} h) in {time.perf_counter() - started:.1f} s"
        )
        return ids[-1]
    finally:
        store.close()


def time_pages(incident_id: str, runs: int) -> dict[str, list[float]]:
    """Seconds per run of each page (cold query caches, warm runtime)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(MAIN, default_timeout=120)
    at.run()  # starts the runtime (store, demo service, scheduler) once, like the first visitor does
    at.query_params["id"] = incident_id
    times: dict[str, list[float]] = {name: [] for name in PAGES}
    try:
        for _ in range(runs):
            for name, page in PAGES.items():
                st.cache_data.clear()
                started = time.perf_counter()
                at.switch_page(page).run()
                times[name].append(time.perf_counter() - started)
                if at.exception:
                    raise RuntimeError(f"page {name} raised: {[e.value for e in at.exception]}")
    finally:
        st.cache_resource.clear()  # on_release stops the scheduler and the demo service, closes the store
    return times


def report(times: dict[str, list[float]]) -> None:
    print(f"{'page':<12}{'median s':>10}{'max s':>10}  target <= {TARGET_SECONDS} s")
    for name, values in times.items():
        median, worst = statistics.median(values), max(values)
        verdict = "ok" if worst <= TARGET_SECONDS else "SLOW"
        print(f"{name:<12}{median:>10.3f}{worst:>10.3f}  {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", type=Path, default=None, help="reuse this seeded file (seeded when missing)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "pages.duckdb"
        if args.db is not None and db.exists():
            from core.store import Store

            store = Store(db)
            incident_id = store.list_incidents(limit=1)[0].id
            store.close()
        else:
            incident_id = seed(db, args.incidents, args.hours)
        os.environ["INCIDENT_DB_PATH"] = str(db)  # read by the app's Settings(), as when started by `make run`
        for name in ("OPENAI_API_KEY", "DEMO_SERVICE_URL", "DATA_MODE"):
            os.environ.pop(name, None)
        report(time_pages(incident_id, args.runs))


if __name__ == "__main__":
    main()
