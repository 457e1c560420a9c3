"""Leave-one-category-out figures for the detector settings that were chosen by looking at NAB scores.

The candidates are the shipped configuration and, for each fitted setting, the configuration with that
one setting moved down or up (one at a time: 1 + 2 x settings runs of the corpus). Each category is
scored with the candidate that does best on the other categories, at the product's alert threshold.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

import numpy as np

from benchmarks.heldout import HeldOut, best_on_all, leave_one_out
from benchmarks.nab.runner import Loaded, category
from benchmarks.nab.scoring import PROFILES, corpus_score, file_score, normalise, optimise_threshold
from core.anomaly import DEFAULT_ALERT_THRESHOLD, DetectorConfig, score_series

STANDARD = PROFILES[0]

FITTED: dict[str, tuple[object, object]] = {
    "learning_points": (200, 400),
    "surprise_span": (7.0, 14.0),
    "memory_points": (10.0, 40.0),
    "min_std": (0.03, 0.08),
    "peak_decay": (0.995, 0.999),
    "novelty_width": (3.0, 6.0),
    "mean_novelty_width": (1.0, 2.5),
    "tail_share": (0.003, 0.03),
    "tail_rate": (0.02, 0.1),
    "week_buckets": (0, 336),
    "routine_days": (1, 3),
    "routine_hours": (1, 3),
    "routine_factor": (1.5, 3.0),
    "routine_notable": (2.0, 4.0),
    "run_points": (3, 8),
    "run_level": (2.5, 4.0),
}
"""Each setting chosen by looking at NAB scores, with the lower and higher value tried beside the shipped one."""

SHIPPED = "shipped"


def candidates() -> dict[str, DetectorConfig]:
    """Name -> configuration: the shipped one, and each fitted setting moved down or up alone."""
    base = DetectorConfig()
    out = {SHIPPED: base}
    for name, values in FITTED.items():
        for value in values:
            out[f"{name}={value}"] = replace(base, **{name: value})
    return out


@dataclass(frozen=True)
class Sweep:
    """Raw standard NAB score per candidate and category, windows per category, and the choices."""

    raw: dict[str, dict[str, float]]
    """Standard profile: candidate -> category -> raw score."""
    windows: dict[str, int]
    best_all: str
    held_out: HeldOut[str]
    threshold_held_out: dict[str, float]
    threshold_raw_held_out: dict[str, float]
    profiles: dict[str, tuple[float, float]]
    """Profile -> (normalised corpus score of the shipped configuration, of the held-out choices)."""


def _category_scores(loaded: list[Loaded], config: DetectorConfig) -> dict[str, dict[str, float]]:
    """Profile name -> category -> raw score of the alert column."""
    raw: dict[str, dict[str, float]] = {p.name: defaultdict(float) for p in PROFILES}
    for item in loaded:
        scores = np.asarray(score_series(item.series.timestamps.tolist(), item.series.values.tolist(), config))
        alerts = scores >= DEFAULT_ALERT_THRESHOLD
        for profile in PROFILES:
            raw[profile.name][category(item.series.name)] += file_score(item.layout, alerts, profile)
    return {name: dict(per) for name, per in raw.items()}


def _threshold_held_out(loaded: list[Loaded]) -> tuple[dict[str, float], dict[str, float]]:
    """Per category: the threshold optimised on the other categories (shipped config) and its raw score."""
    scores = [
        np.asarray(score_series(i.series.timestamps.tolist(), i.series.values.tolist(), DetectorConfig()))
        for i in loaded
    ]
    chosen, raw = {}, {}
    for held in sorted({category(i.series.name) for i in loaded}):
        rest = [k for k, i in enumerate(loaded) if category(i.series.name) != held]
        mine = [k for k, i in enumerate(loaded) if category(i.series.name) == held]
        threshold, _ = optimise_threshold([loaded[k].layout for k in rest], [scores[k] for k in rest], STANDARD)
        chosen[held] = threshold
        raw[held] = corpus_score([loaded[k].layout for k in mine], [scores[k] for k in mine], threshold, STANDARD)
    return chosen, raw


def sweep(loaded: list[Loaded], progress: bool = True) -> Sweep:
    """Score every candidate on every category (about a second of CPU per candidate for the shared files)."""
    by_profile: dict[str, dict[str, dict[str, float]]] = {p.name: {} for p in PROFILES}
    for k, (name, config) in enumerate(candidates().items(), start=1):
        if progress:
            print(f"  candidate {k}/{len(FITTED) * 2 + 1}: {name}", flush=True)
        for profile, per_category in _category_scores(loaded, config).items():
            by_profile[profile][name] = per_category
    windows: dict[str, int] = defaultdict(int)
    for item in loaded:
        windows[category(item.series.name)] += item.layout.n_windows
    total = sum(windows.values())
    profiles = {}
    for profile in PROFILES:
        table = by_profile[profile.name]
        held = leave_one_out(table, SHIPPED)
        profiles[profile.name] = (
            normalise(sum(table[SHIPPED].values()), total, profile),
            normalise(sum(held.value.values()), total, profile),
        )
    raw = by_profile[STANDARD.name]
    thresholds, threshold_raw = _threshold_held_out(loaded)
    return Sweep(
        raw, dict(windows), best_on_all(raw, SHIPPED), leave_one_out(raw, SHIPPED), thresholds, threshold_raw, profiles
    )


def _norm(raw: float, windows: int) -> str:
    return f"{normalise(raw, windows, STANDARD):6.1f}" if windows else f"{'n/a':>6}"


def format_sweep(result: Sweep) -> str:
    """Per category, standard profile: shipped configuration (all data) and configuration chosen without it."""
    shipped = result.raw[SHIPPED]
    cats = sorted(shipped)
    lines = [
        "fitted settings (chosen by looking at NAB scores; shipped value, then the two tried beside it):",
        *(
            f"  {name} = {getattr(DetectorConfig(), name)!r} (tried {lo!r}, {hi!r})"
            for name, (lo, hi) in FITTED.items()
        ),
        f"best candidate on all categories: {result.best_all}",
        f"{'category':<24}{'windows':>8}{'all data':>9}{'held out':>9}  chosen without it   {'opt thr held out':>17}",
    ]
    for cat in cats:
        w = result.windows.get(cat, 0)
        lines.append(
            f"{cat:<24}{w:>8}{_norm(shipped[cat], w):>9}{_norm(result.held_out.value[cat], w):>9}  "
            f"{result.held_out.chosen[cat]:<18} {_norm(result.threshold_raw_held_out[cat], w):>8} "
            f"@{result.threshold_held_out[cat]:.3f}"
        )
    total_w = sum(result.windows.values())
    lines.append(
        f"{'corpus':<24}{total_w:>8}{_norm(sum(shipped.values()), total_w):>9}"
        f"{_norm(sum(result.held_out.value.values()), total_w):>9}  "
        f"{'':<18} {_norm(sum(result.threshold_raw_held_out.values()), total_w):>8}"
    )
    scored = [c for c in cats if result.windows.get(c, 0)]
    if scored:
        low_all = min(normalise(shipped[c], result.windows[c], STANDARD) for c in scored)
        low_held = min(normalise(result.held_out.value[c], result.windows[c], STANDARD) for c in scored)
        lines.append(f"lowest category with windows: all data {low_all:.1f}, held out {low_held:.1f}")
    lines.append("(a category without windows can only lose points: its raw score is shown in the files table)")
    lines.append(f"{'profile, alert column':<24}{'all data':>9}{'held out':>9}")
    for profile, (full, held) in result.profiles.items():
        lines.append(f"{profile:<24}{full:>9.1f}{held:>9.1f}")
    return "\n".join(lines)
