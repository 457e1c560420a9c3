"""The benchmarks' rows: simulations run in worker processes, one JSON row each, streamed to a file."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import TypeVar

Item = TypeVar("Item")


def in_workers(
    worker: Callable[[Item], dict], items: Sequence[Item], jobs: int, on_row: Callable[[dict, int], None]
) -> list[dict]:
    """``worker(item)`` for every item, ``jobs`` processes at a time, in finishing order; ``on_row(row, done)``
    as each one finishes. ``worker`` must be a module-level function (it is pickled to the workers)."""
    rows: list[dict] = []
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for future in as_completed([pool.submit(worker, item) for item in items]):
            rows.append(future.result())
            on_row(rows[-1], len(rows))
    return rows


def row_log(out: Path | None) -> Callable[[dict], None]:
    """A function that appends a row to ``out`` as one JSON line (``out`` emptied first; None: keep nothing)."""
    if out is None:
        return lambda row: None
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("")

    def append(row: dict) -> None:
        with out.open("a") as handle:
            handle.write(json.dumps(row) + "\n")

    return append


def read_rows(path: Path) -> Iterator[dict]:
    """Rows written by an earlier run (``--rows``), to score again without simulating."""
    with path.open() as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def add_row_options(parser: argparse.ArgumentParser, seeds: str) -> None:
    """``--seeds`` (default ``seeds``), ``--jobs``, ``--rows`` and ``--score``: a benchmark of one session a seed."""
    parser.add_argument("--seeds", default=seeds, help=f"one session per seed ({seeds})")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (2)")
    parser.add_argument("--rows", type=Path, default=None, help="write one JSON row per session to this file")
    parser.add_argument("--score", type=Path, default=None, help="score rows of an earlier run, simulate nothing")
