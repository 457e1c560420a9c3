"""Run the template miner over every ``<System>/<System>_2k.log`` of a Loghub-style folder.

The only per-system input is ``log_format`` from ``formats.json`` (to cut a line into header fields and
Content); the miner runs with one configuration for every system, a fresh miner per system.
"""

from __future__ import annotations

import csv
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from benchmarks.loghub.metrics import Scores, score
from core.logmining.masking import clear_cache
from core.logmining.miner import DEFAULT_MIN_VALUES, Cluster, TemplateMiner


@dataclass(frozen=True)
class SystemResult:
    """One system's outcome: lines mined, mining seconds, and scores when ground truth was found."""

    system: str
    lines: int
    seconds: float  # wall-clock seconds of mining
    cpu_seconds: float  # CPU seconds of mining (steadier on a shared machine)
    scores: Scores | None


def line_regex(log_format: str) -> re.Pattern[str]:
    """The regex of a Loghub ``log_format``: each ``<Field>`` a lazy named group, spaces as ``\\s+``."""
    parts = re.split(r"(<[^<>]+>)", log_format)
    pattern = ""
    for part in parts:
        if part.startswith("<") and part.endswith(">"):
            pattern += f"(?P<{part[1:-1]}>.*?)"
        else:
            pattern += re.sub(" +", r"\\s+", part)
    return re.compile(f"^{pattern}$")


def contents(log_path: Path, regex: re.Pattern[str]) -> list[str]:
    """Content field of each line (the whole line where the format does not match: nothing is lost)."""
    text = log_path.read_text(encoding="utf-8", errors="replace")
    out = []
    for raw in text.splitlines():
        line = raw.strip()
        match = regex.match(line)
        out.append(match.group("Content") if match and "Content" in regex.groupindex else line)
    return out


def mine(
    lines: list[str], repeat: int = 1, min_values: int = DEFAULT_MIN_VALUES
) -> tuple[list[str], list[str], float, float]:
    """Template id and template of each line after the whole stream was mined; wall and CPU seconds of
    the fastest of ``repeat`` runs, each with a fresh miner and a cold token cache (as ``timeit`` takes
    the minimum: on a shared machine the slower runs measure the neighbours)."""
    best: tuple[float, float, list[Cluster], TemplateMiner] | None = None
    for _ in range(max(repeat, 1)):
        clear_cache()
        miner = TemplateMiner(min_values=min_values)
        started, cpu_started = time.perf_counter(), time.process_time()
        clusters = [miner.add(line) for line in lines]
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        if best is None or seconds < best[0]:
            best = (seconds, cpu_seconds, clusters, miner)
    seconds, cpu_seconds, clusters, miner = best
    final = [miner.get(c.id) or c for c in clusters]  # each line's cluster after the whole stream
    return [c.id for c in final], [c.template for c in final], seconds, cpu_seconds


def systems(data: Path) -> dict[str, str]:
    """System name -> log_format for every system folder with a ``<System>_2k.log`` and a format."""
    formats_path = data / "formats.json"
    if not formats_path.is_file():
        raise FileNotFoundError(f"{formats_path} is missing: it must give each system's log_format")
    formats = json.loads(formats_path.read_text())
    found = {}
    for folder in sorted(p for p in data.iterdir() if p.is_dir()):
        spec = formats.get(folder.name)
        if (folder / f"{folder.name}_2k.log").is_file() and isinstance(spec, dict) and "log_format" in spec:
            found[folder.name] = spec["log_format"]
    return found


def truth_templates(data: Path, system: str) -> list[str] | None:
    """Ground-truth templates per line from ``manifest.json``'s preferred file; None when absent."""
    manifest_path = data / "manifest.json"
    if not manifest_path.is_file():
        return None
    preferred = json.loads(manifest_path.read_text()).get(system, {}).get("preferred_groundtruth")
    if not preferred or not (data / preferred).is_file():
        return None
    frame = pd.read_csv(data / preferred, dtype=str, keep_default_na=False)
    return frame["EventTemplate"].tolist()


def load(data: Path) -> dict[str, tuple[list[str], list[str] | None]]:
    """System -> (Content of each line, ground-truth template of each line or None)."""
    loaded = {}
    for system, log_format in systems(data).items():
        lines = contents(data / system / f"{system}_2k.log", line_regex(log_format))
        truth = truth_templates(data, system)
        if truth is not None and len(truth) != len(lines):
            raise ValueError(f"{system}: {len(truth)} ground-truth rows for {len(lines)} log lines")
        loaded[system] = (lines, truth)
    return loaded


def run(data: Path, out: Path, repeat: int = 1) -> list[SystemResult]:
    """Mine every system in ``data`` (timing the fastest of ``repeat`` runs), write
    ``out/<System>_structured.csv``, and score where ground truth exists."""
    out.mkdir(parents=True, exist_ok=True)
    results = []
    for system, (lines, truth) in load(data).items():
        ids, templates, seconds, cpu_seconds = mine(lines, repeat)
        with (out / f"{system}_structured.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["LineId", "Content", "EventId", "EventTemplate"])
            for number, row in enumerate(zip(lines, ids, templates, strict=True), start=1):
                writer.writerow([number, *row])
        scores = score(ids, templates, truth) if truth is not None else None
        results.append(SystemResult(system, len(lines), seconds, cpu_seconds, scores))
    return results


def format_report(results: list[SystemResult]) -> str:
    """A table of GA, FGA, PA per system and their averages, and lines per second overall."""
    rows = [f"{'system':<12}{'lines':>7}{'groups':>8}{'truth':>7}{'GA':>8}{'FGA':>8}{'PA':>8}{'lines/s':>10}"]
    scored = [r for r in results if r.scores is not None]
    for r in results:
        rate = r.lines / r.seconds if r.seconds > 0 else float("inf")
        if r.scores is None:
            rows.append(f"{r.system:<12}{r.lines:>7}{'-':>8}{'-':>7}{'-':>8}{'-':>8}{'-':>8}{rate:>10.0f}")
            continue
        s = r.scores
        rows.append(
            f"{r.system:<12}{r.lines:>7}{s.parsed_groups:>8}{s.truth_groups:>7}{s.ga:>8.3f}{s.fga:>8.3f}"
            f"{s.pa:>8.3f}{rate:>10.0f}"
        )
    total_lines = sum(r.lines for r in results)
    total_seconds = sum(r.seconds for r in results)
    total_cpu = sum(r.cpu_seconds for r in results)
    rate = total_lines / total_seconds if total_seconds > 0 else float("inf")
    if scored:
        n = len(scored)
        ga = sum(r.scores.ga for r in scored) / n
        fga = sum(r.scores.fga for r in scored) / n
        pa = sum(r.scores.pa for r in scored) / n
        rows.append(f"{'average':<12}{total_lines:>7}{'':>8}{'':>7}{ga:>8.3f}{fga:>8.3f}{pa:>8.3f}{rate:>10.0f}")
    else:
        rows.append(f"{'total':<12}{total_lines:>7}{'':>38}{rate:>10.0f}")
    cpu_rate = total_lines / total_cpu if total_cpu > 0 else float("inf")
    rows.append(f"\n{total_lines} lines: {rate:,.0f} lines/s wall clock, {cpu_rate:,.0f} lines/s of CPU time")
    return "\n".join(rows)
