"""Synthetic incidents for the analysis agents: the demo shop's topology, seeded noisy metrics and log lines.

``make_context(kind, target)`` builds the AnalysisContext the agents would get ~10 s after the fault
started (or later, with ``window_seconds``): 10 min of baseline, the window, detection signals, the catalogue.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from core.agents import default_agents
from core.agents.base import AnalysisContext
from core.config import Settings
from core.models import (
    DB_QUERY_P95_MS,
    DEPENDENCY_ERROR_RATE,
    ERROR_RATE,
    LATENCY_P50_MS,
    LATENCY_P95_MS,
    LATENCY_P99_MS,
    MEMORY_MB,
    METRICS,
    AgentOutput,
    FaultKind,
    Incident,
    LogEvent,
    Signal,
    Topology,
)

STEP = 5.0
FAULT_START = 1_767_229_200.0  # 2026-01-01T01:00:00Z
BASELINE_SECONDS = 600.0
ONSET_LOOKBACK_SECONDS = 60.0  # the orchestration starts the window this long before the first signal
GC_AMPLITUDE_MB = 20.0
GC_RAMP_MB_S = 0.12

TOPOLOGY = Topology(
    services=["frontend", "catalog", "checkout", "cache", "postgres", "payments", "payment-gateway"],
    edges=[
        ("frontend", "catalog"),
        ("frontend", "checkout"),
        ("frontend", "cache"),
        ("catalog", "postgres"),
        ("catalog", "cache"),
        ("checkout", "postgres"),
        ("checkout", "payments"),
        ("payments", "payment-gateway"),
    ],
    external=["payment-gateway"],
)
APP_SERVICES = ["frontend", "catalog", "checkout", "payments"]
CATALOGUE = [
    FaultKind(type="latency_spike", description="1-3 s extra delay", targets=APP_SERVICES, default_target="checkout"),
    FaultKind(type="error_rate", description="30% HTTP 500", targets=APP_SERVICES, default_target="checkout"),
    FaultKind(type="db_slow", description="0.5-2 s per query", targets=["postgres"], default_target="postgres"),
    FaultKind(type="memory_leak", description="memory climbs", targets=APP_SERVICES, default_target="catalog"),
    FaultKind(
        type="dependency_down",
        description="50% of calls fail",
        targets=["payment-gateway"],
        default_target="payment-gateway",
    ),
]
FAULT_CASES = [(fault.type, target) for fault in CATALOGUE for target in fault.targets]

# Baseline per service: request rate, error rate, p50/p95/p99, cpu, memory, db p95 (None: not emitted), dep errors.
_BASE: dict[str, tuple[float, float, float, float, float, float, float, float | None, float | None]] = {
    "frontend": (50, 0.004, 80, 250, 400, 30, 220, None, 0.003),
    "catalog": (40, 0.003, 40, 120, 200, 25, 260, 30, 0.002),
    "checkout": (10, 0.005, 90, 300, 380, 20, 300, 35, 0.003),
    "cache": (70, 0.001, 2, 5, 9, 10, 180, None, None),
    "postgres": (120, 0.001, 5, 20, 35, 35, 340, None, None),
    "payments": (8, 0.004, 120, 280, 350, 15, 190, None, 0.004),
}
_METRICS = METRICS[:9]  # the metrics of _BASE, in its order (the later ones are not synthesised here)
_FRACTIONS = (ERROR_RATE, DEPENDENCY_ERROR_RATE)

Effects = dict[tuple[str, str], float]


def _latency(effects: Effects, service: str, extra_ms: float) -> None:
    for metric, share in ((LATENCY_P50_MS, 0.6), (LATENCY_P95_MS, 1.0), (LATENCY_P99_MS, 1.2)):
        effects[(service, metric)] = effects.get((service, metric), 0.0) + extra_ms * share


def _add(effects: Effects, service: str, metric: str, value: float) -> None:
    effects[(service, metric)] = effects.get((service, metric), 0.0) + value


def fault_effects(kind: str, target: str, elapsed: float, intensity: float) -> Effects:
    """What the fault adds to each (service, metric) ``elapsed`` seconds after it started."""
    effects: Effects = {}
    if kind == "latency_spike":
        _latency(effects, target, 2000 * intensity)
        for up in TOPOLOGY.upstream_of(target):
            _latency(effects, up, 1300 * intensity)
    elif kind == "error_rate":
        _add(effects, target, ERROR_RATE, 0.3)
        for caller in TOPOLOGY.callers(target):
            _add(effects, caller, DEPENDENCY_ERROR_RATE, 0.15)
            _add(effects, caller, ERROR_RATE, 0.1)
            for up in TOPOLOGY.upstream_of(caller):
                _add(effects, up, DEPENDENCY_ERROR_RATE, 0.08)
                _add(effects, up, ERROR_RATE, 0.06)
    elif kind == "db_slow":
        _latency(effects, "postgres", 1200 * intensity)
        for caller in TOPOLOGY.callers("postgres"):
            _add(effects, caller, DB_QUERY_P95_MS, 1200 * intensity)
            _latency(effects, caller, 1100 * intensity)
        _latency(effects, "frontend", 900 * intensity)
    elif kind == "memory_leak":
        _add(effects, target, MEMORY_MB, 2.0 * intensity * elapsed)
    elif kind == "dependency_down":
        _add(effects, "payments", DEPENDENCY_ERROR_RATE, 0.5)
        _add(effects, "payments", ERROR_RATE, 0.35)
        _latency(effects, "payments", 1500)
        _add(effects, "checkout", DEPENDENCY_ERROR_RATE, 0.3)
        _add(effects, "checkout", ERROR_RATE, 0.25)
        _latency(effects, "checkout", 1400)
        _add(effects, "frontend", DEPENDENCY_ERROR_RATE, 0.06)
        _add(effects, "frontend", ERROR_RATE, 0.05)
        _latency(effects, "frontend", 600)
    elif kind is not None:
        raise ValueError(f"unknown fault kind {kind!r}")
    return effects


def _sawtooth(n: int, rng: np.random.Generator) -> np.ndarray:
    """Heap garbage at each step: it builds up slowly and a collection frees most of it."""
    garbage = np.empty(n)
    level = rng.uniform(0, GC_AMPLITUDE_MB)
    for i, ramp in enumerate(GC_RAMP_MB_S * STEP * rng.uniform(0.7, 1.3, n)):
        level = level + ramp if level + ramp < GC_AMPLITUDE_MB else (level + ramp) * 0.1
        garbage[i] = level
    return garbage


def make_metrics(
    kind: str | None, target: str | None, start: float, end: float, rng: np.random.Generator, intensity: float = 1.0
) -> pd.DataFrame:
    """Samples every STEP seconds in [start, end] for every service with metrics, with the fault from FAULT_START."""
    times = np.arange(start, end + STEP / 2, STEP)
    n = times.size
    effects = [
        fault_effects(kind, target or "", t - FAULT_START, intensity) if kind and t > FAULT_START else {} for t in times
    ]
    frames = []
    for service, base in _BASE.items():
        garbage = _sawtooth(n, rng)
        for metric, value in zip(_METRICS, base, strict=True):
            if value is None:
                continue
            if metric in _FRACTIONS:
                noisy = np.maximum(0.0, value + rng.normal(0, 0.002, n))
            elif metric == MEMORY_MB:
                noisy = value - GC_AMPLITUDE_MB / 2 + garbage + rng.normal(0, 0.5, n)
            else:
                noisy = value * (1 + rng.normal(0, 0.03, n))
            added = np.array([e.get((service, metric), 0.0) for e in effects])
            noisy = noisy + added * (1 + rng.normal(0, 0.05, n))
            if metric in _FRACTIONS:
                noisy = np.minimum(noisy, 1.0)
            frames.append(pd.DataFrame({"ts": times, "service": service, "metric": metric, "value": noisy}))
    return pd.concat(frames, ignore_index=True).sort_values(["ts", "service", "metric"], ignore_index=True)


def _trace(rng: np.random.Generator) -> str:
    return f"{int(rng.integers(0, 2**63)):016x}{int(rng.integers(0, 2**63)):016x}"


def _background(ts: float, rng: np.random.Generator) -> list[LogEvent]:
    events = []
    for service in ("frontend", "catalog", "checkout", "payments"):
        for _ in range(2):
            route = f"/api/products/{int(rng.integers(1, 5000))}"
            ms = rng.uniform(5, 90)
            msg = f"GET {route} 200 in {ms:.1f} ms trace_id={_trace(rng)}"
            events.append(LogEvent(ts=ts + rng.uniform(0, STEP), service=service, level="INFO", message=msg))
    if int(ts) % 60 == 0:
        msg = f"Cache miss ratio {rng.uniform(20, 40):.1f}% above target 15%"
        events.append(LogEvent(ts=ts, service="cache", level="WARN", message=msg))
        msg = f"checkpoint complete: wrote {int(rng.integers(10, 900))} buffers"
        events.append(LogEvent(ts=ts, service="postgres", level="INFO", message=msg))
    if int(ts) % 90 == 0:
        msg = f"Payment declined for order {int(rng.integers(1000, 9999))}: insufficient funds"
        events.append(LogEvent(ts=ts, service="payments", level="WARN", message=msg))
    return events


LogMaker = Callable[[np.random.Generator], tuple[str, str, str]]


def _fault_logs(kind: str, target: str) -> list[tuple[int, LogMaker]]:
    """(lines per step, maker of (service, level, message)) for one fault."""
    slow = "Slow request POST /api/checkout took {ms} ms (threshold 1000 ms) trace_id={trace}"
    if kind == "latency_spike":
        makers = [(3, lambda r: (target, "WARN", slow.format(ms=int(r.uniform(1500, 3500)), trace=_trace(r))))]
        for up in TOPOLOGY.callers(target):
            makers.append(
                (1, lambda r, up=up: (up, "WARN", slow.format(ms=int(r.uniform(1500, 3500)), trace=_trace(r))))
            )
        return makers
    if kind == "error_rate":
        crash = (
            "Unhandled exception in POST /api/checkout trace_id={trace}: RuntimeError: simulated failure\n"
            "Traceback (most recent call last):\n"
            '  File "handler.py", line 42, in handle\nRuntimeError: simulated failure'
        )
        upstream = "Upstream {target} returned HTTP 500 for GET /api/cart trace_id={trace}"
        makers = [(4, lambda r: (target, "ERROR", crash.format(trace=_trace(r))))]
        for caller in TOPOLOGY.callers(target):
            makers.append((2, lambda r, c=caller: (c, "ERROR", upstream.format(target=target, trace=_trace(r)))))
        return makers
    if kind == "db_slow":
        query = (
            "duration: {ms:.1f} ms  statement: SELECT * FROM products WHERE id = {id} (slow query, threshold 500 ms)"
        )
        return [
            (4, lambda r: ("postgres", "WARN", query.format(ms=r.uniform(500, 2000), id=int(r.integers(1, 999))))),
            (1, lambda r: ("catalog", "WARN", slow.format(ms=int(r.uniform(1200, 2500)), trace=_trace(r)))),
        ]
    if kind == "memory_leak":
        gc = "GC pause {ms} ms, heap {mb} MB"
        return [(1, lambda r: (target, "WARN", gc.format(ms=int(r.uniform(80, 300)), mb=int(r.uniform(400, 700)))))]
    if kind == "dependency_down":
        conn = "Connection error calling payment-gateway (203.0.113.10:443): connect timeout after 2000 ms trace_id={t}"
        bad = "Upstream payments returned HTTP 502 for POST /api/checkout trace_id={t}"
        return [
            (4, lambda r: ("payments", "ERROR", conn.format(t=_trace(r)))),
            (2, lambda r: ("checkout", "ERROR", bad.format(t=_trace(r)))),
        ]
    return []


def make_logs(
    kind: str | None, target: str | None, start: float, end: float, rng: np.random.Generator
) -> list[LogEvent]:
    """Background lines for every step in [start, end], plus the fault's lines from FAULT_START."""
    events: list[LogEvent] = []
    makers = _fault_logs(kind, target or "") if kind else []
    for ts in np.arange(start, end + STEP / 2, STEP):
        events.extend(e for e in _background(float(ts), rng) if e.ts <= end)
        if ts <= FAULT_START:
            continue
        for per_step, make in makers:
            for _ in range(per_step):
                service, level, message = make(rng)
                events.append(
                    LogEvent(ts=float(ts) - rng.uniform(0, STEP), service=service, level=level, message=message)
                )
    return sorted(events, key=lambda e: e.ts)


def detect_signals(metrics: pd.DataFrame, logs: list[LogEvent], start: float, settings: Settings) -> list[Signal]:
    """What a simple detection would have fired from ``start`` on: threshold rules, memory trend, log rules."""
    limits = {ERROR_RATE: settings.error_rate_threshold, LATENCY_P95_MS: settings.latency_p95_threshold_ms}
    signals: list[Signal] = []
    for (service, metric), series in metrics.groupby(["service", "metric"]):
        group = series[series["ts"] >= start]
        if metric in limits:
            over = group[group["value"] > limits[metric]]
            if not over.empty:
                row = over.iloc[0]
                rule = "error_rate" if metric == ERROR_RATE else "latency_p95"
                text = f"{service} {metric} {row['value']:.3g} > {limits[metric]:g}"
                signals.append(
                    Signal(
                        rule=rule,
                        service=service,
                        metric=metric,
                        value=row["value"],
                        threshold=limits[metric],
                        ts=row["ts"],
                        message=text,
                    )
                )
        recent = series[series["ts"] >= series["ts"].max() - 60]
        if metric == MEMORY_MB and len(recent) >= 6:
            slope, intercept = np.polyfit(recent["ts"] - start, recent["value"], 1)
            fitted = intercept + slope * (recent["ts"] - start)
            r2 = 1 - ((recent["value"] - fitted) ** 2).sum() / max(
                ((recent["value"] - recent["value"].mean()) ** 2).sum(), 1e-9
            )
            forecast = recent["value"].iloc[-1] + slope * settings.memory_forecast_horizon_seconds
            if slope > 0.1 and r2 >= 0.8 and forecast > settings.memory_threshold_mb:
                signals.append(
                    Signal(
                        rule="memory_trend",
                        service=service,
                        metric=metric,
                        value=forecast,
                        threshold=settings.memory_threshold_mb,
                        ts=recent["ts"].iloc[-1],
                        message=f"{service} memory grows {slope:.2f} MB/s, forecast {forecast:.0f} MB",
                    )
                )
    for rule, needle, threshold in (
        ("slow_query_logs", "slow query", settings.slow_query_log_threshold),
        ("connection_error_logs", "Connection error", settings.connection_error_log_threshold),
    ):
        hits = [e for e in logs if e.ts >= start and needle in e.message]
        if len(hits) >= threshold:
            signals.append(
                Signal(
                    rule=rule,
                    service=hits[0].service,
                    value=len(hits),
                    threshold=threshold,
                    ts=hits[threshold - 1].ts,
                    message=f"{len(hits)} '{needle}' lines",
                )
            )
    return sorted(signals, key=lambda s: s.ts)


def checkout_incident(incident_id: str, ts: float, severity: str = "SEV3") -> Incident:
    """An incident opened at ``ts`` by checkout's error rate (30 % against 5 %), first seen 20 s before."""
    signal = Signal(
        rule="error_rate", service="checkout", value=0.3, threshold=0.05, ts=ts, message="Error rate on checkout"
    )
    return Incident(
        id=incident_id,
        severity=severity,
        title="High error rate on checkout (30%)",
        start_time=ts - 20,
        detected_at=ts,
        fingerprint="component:checkout",
        services=["checkout"],
        signals=[signal],
    )


def make_context(
    kind: str | None = None,
    target: str | None = None,
    *,
    window_seconds: float = 10.0,
    lookback: float = ONSET_LOOKBACK_SECONDS,
    seed: int = 0,
    intensity: float = 1.0,
    with_logs: bool = True,
    with_signals: bool = True,
    extra_logs: list[LogEvent] | None = None,
    title: str | None = None,
) -> AnalysisContext:
    """The context the agents get for ``kind`` on ``target`` (or a fault-free one) ``window_seconds`` after
    the first faulty sample; the window starts ``lookback`` seconds before that sample. Same seed, same data."""
    rng = np.random.default_rng(seed)
    settings = Settings()
    onset = FAULT_START + STEP  # the first sample that shows the fault
    window_start = onset - lookback
    window_end = onset + window_seconds
    baseline_start = window_start - BASELINE_SECONDS
    metrics = make_metrics(kind, target, baseline_start, window_end, rng, intensity)
    logs = make_logs(kind, target, baseline_start, window_end, rng) if with_logs else []
    logs += extra_logs or []
    signals = detect_signals(metrics, logs, onset, settings) if with_signals and kind else []
    incident = Incident(
        id="inc-1",
        title=title or (f"{kind} suspected on {target}" if kind else "Spurious alert"),
        start_time=signals[0].ts if signals else onset,
        detected_at=FAULT_START + 10,
        fingerprint=f"{kind}:{target}",
        services=sorted({s.service for s in signals}),
        signals=signals,
    )
    return AnalysisContext(
        incident=incident,
        metrics=metrics,
        logs=logs,
        baseline_start=baseline_start,
        baseline_end=window_start,
        window_start=window_start,
        window_end=window_end,
        topology=TOPOLOGY,
        catalogue=CATALOGUE,
        settings=settings,
    )


def run_agents(ctx: AnalysisContext, failing: Mapping[str, str] | None = None) -> dict[str, AgentOutput]:
    """Run the five agents in DAG order; agents named in ``failing`` are replaced by an error output."""
    outputs: dict[str, AgentOutput] = {}
    for agent in default_agents():
        if failing and agent.name in failing:
            outputs[agent.name] = agent.output_model(status="error", error=failing[agent.name])
            continue
        outputs[agent.name] = agent.analyze(ctx, {name: outputs[name] for name in agent.depends_on})
    return outputs
