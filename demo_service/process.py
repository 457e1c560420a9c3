"""Each service's process: CPU time, a garbage-collected heap, leaks, OOM kills and restarts."""

from __future__ import annotations

import random
from dataclasses import dataclass

from demo_service import logtext
from demo_service.effects import Effects
from demo_service.logbuffer import LogBuffer
from demo_service.telemetry import Telemetry
from demo_service.topology import CPU_LIMIT_CORES, MEMORY_LIMIT_MB, PROFILES, SERVICES, VERSIONS, ProcessProfile

MB = 1024.0 * 1024.0
GC_PRESSURE_MB = 400.0  # above this a leaking heap logs GC-pressure warnings
GC_PRESSURE_EVERY = 5  # simulated seconds between two GC-pressure warnings
OOM_START_FRACTION = 0.9  # allocations start failing above this share of the memory limit
RESTART_SECONDS = 5  # a killed process refuses connections this long
RUN_QUEUE_CAP_SECONDS = 8.0  # callers' timeouts and retries bound how long the run queue grows
THROTTLE_LOG_EVERY = 5  # simulated seconds between two CPU-throttling warnings


@dataclass(slots=True)
class _Process:
    """Mutable state of one service's process."""

    profile: ProcessProfile
    pid: int
    garbage_mb: float = 0.0  # collectable heap, the GC sawtooth
    leaked_mb: float = 0.0  # heap retained by a leak, freed only by a restart
    heap_mb: float = 0.0
    restarting: int = 0  # simulated seconds until the process accepts connections again
    version: str = ""  # application version running (app services only)
    run_queue_s: float = 0.0  # wall seconds a new request waits for CPU (demand above the limit)


class Processes:
    """CPU and memory of every service, advanced once per simulated second."""

    def __init__(self, rng: random.Random, telemetry: Telemetry, logs: LogBuffer) -> None:
        self._rng = rng
        self._t = telemetry
        self._logs = logs
        self._procs: dict[str, _Process] = {}
        for name in SERVICES:
            profile = PROFILES[name]
            proc = _Process(profile, pid=rng.randint(100, 30000), version=VERSIONS.get(name, ("", ""))[0])
            proc.garbage_mb = rng.random() * profile.gc_amplitude_mb
            proc.heap_mb = profile.base_memory_mb + proc.garbage_mb
            self._procs[name] = proc
            telemetry.memory_bytes[name] = proc.heap_mb * MB
        self.down: frozenset[str] = frozenset()
        self.oom: dict[str, float] = {}
        self.heap_mb: dict[str, float] = {n: p.heap_mb for n, p in self._procs.items()}
        self.queue_wait: dict[str, float] = {}  # services whose requests wait for CPU, seconds

    def pid(self, name: str) -> int:
        """The process id ``name`` runs as now."""
        return self._procs[name].pid

    def roll_out(self, ts: float, effects: Effects) -> None:
        """At the start of a second: deploy the bad version where a fault wants it, roll back where it ended."""
        for name, (stable, bad) in VERSIONS.items():
            knobs = effects.services.get(name)
            wanted = bad if knobs is not None and knobs.deploy_error_probability else stable
            proc = self._procs[name]
            if proc.version != wanted:
                self._deploy(ts, name, proc, wanted)

    def _deploy(self, ts: float, name: str, proc: _Process, version: str) -> None:
        """A rolling update to ``version``: a new process (pid, empty heap) takes the traffic."""
        previous, proc.version = proc.version, version
        rollback = version == VERSIONS[name][0]
        self._logs.append(ts, name, "INFO", logtext.deployed(name, version, previous, rollback))
        proc.pid = self._rng.randint(100, 30000)
        proc.garbage_mb = 0.0
        proc.leaked_mb = 0.0
        proc.heap_mb = proc.profile.base_memory_mb
        self.heap_mb[name] = proc.heap_mb
        self._logs.append(ts, name, "INFO", logtext.started(name, version, proc.pid))

    def step(self, ts: float, step: int, handled: dict[str, int], leaked: dict[str, float], effects: Effects) -> None:
        """Account one second at ``ts``: ``handled`` requests and ``leaked`` bytes per service."""
        for name, proc in self._procs.items():
            if proc.restarting:
                self._starting(ts, name, proc)
            else:
                self._running(ts, step, name, proc, handled[name], leaked[name], effects)
            self.heap_mb[name] = proc.heap_mb
            self._t.memory_bytes[name] = proc.heap_mb * MB
        self.down = frozenset(n for n, p in self._procs.items() if p.restarting)
        self.queue_wait = {n: p.run_queue_s for n, p in self._procs.items() if p.run_queue_s > 0.0}
        self.oom = {n: p for n, p in ((n, self._oom_chance(p)) for n, p in self._procs.items()) if p}

    @staticmethod
    def _oom_chance(proc: _Process) -> float:
        """Chance that one request's allocation fails, from heap headroom; 0 below 90 %."""
        start = OOM_START_FRACTION * MEMORY_LIMIT_MB
        if proc.restarting or proc.heap_mb < start:
            return 0.0
        return min(0.5, 0.05 + 0.45 * (proc.heap_mb - start) / (MEMORY_LIMIT_MB - start))

    def _running(
        self,
        ts: float,
        step: int,
        name: str,
        proc: _Process,
        handled: int,
        leaked_bytes: float,
        effects: Effects,
    ) -> None:
        rng = self._rng
        profile = proc.profile
        proc.garbage_mb += handled * profile.alloc_kb_per_request / 1024.0
        if proc.garbage_mb >= profile.gc_amplitude_mb:
            freed = proc.garbage_mb * (0.85 + 0.1 * rng.random())
            proc.garbage_mb -= freed
            message = logtext.gc_collected(freed, 4.0 + 8.0 * rng.random())
            self._logs.append(ts + 0.5, name, "DEBUG", message)
        knobs = effects.services.get(name)
        if leaked_bytes:
            proc.leaked_mb += leaked_bytes / MB
        elif proc.leaked_mb and (knobs is None or not knobs.leak_bytes_per_request):
            self._fix_rolled_out(ts, name, proc)
        proc.heap_mb = profile.base_memory_mb + proc.garbage_mb + proc.leaked_mb
        proc.heap_mb += rng.gauss(0.0, 0.4)
        pressure = max(0.0, proc.heap_mb - GC_PRESSURE_MB)
        if pressure and proc.leaked_mb and step % GC_PRESSURE_EVERY == 0:
            pause = 40.0 + 0.5 * (proc.heap_mb - 300.0) + 20.0 * rng.random()
            self._logs.append(ts + 0.5, name, "WARN", logtext.gc_pressure(pause, proc.heap_mb))
        cpu = profile.idle_cpu + profile.cpu_per_request * handled + pressure * 0.0006
        if knobs is not None and knobs.cpu_hog:
            cpu += knobs.cpu_hog * CPU_LIMIT_CORES
        if cpu > CPU_LIMIT_CORES or proc.run_queue_s:
            self._throttled(ts, step, name, proc, cpu)
        else:
            self._t.cpu_seconds[name] += max(0.0, cpu * (1.0 + 0.08 * rng.gauss(0.0, 1.0)))
        if proc.heap_mb >= MEMORY_LIMIT_MB:
            self._kill(ts, name, proc)

    def _throttled(self, ts: float, step: int, name: str, proc: _Process, demand: float) -> None:
        """CPU demand at or above the limit: the cgroup caps usage and runnable work queues.

        The run queue grows by the excess (in seconds of wall time per second) and drains with headroom.
        """
        load = demand / CPU_LIMIT_CORES
        first = not proc.run_queue_s
        proc.run_queue_s = min(RUN_QUEUE_CAP_SECONDS, max(0.0, proc.run_queue_s + load - 1.0))
        used = min(demand, CPU_LIMIT_CORES * (0.97 + 0.03 * self._rng.random()))
        self._t.cpu_seconds[name] += used
        if proc.run_queue_s and (first or step % THROTTLE_LOG_EVERY == 0):
            message = logtext.cpu_throttled(demand, CPU_LIMIT_CORES, proc.run_queue_s)
            self._logs.append(ts + 0.5, name, "WARN", message)

    def _fix_rolled_out(self, ts: float, name: str, proc: _Process) -> None:
        """The leaking code is gone (fault over): a rolling restart returns the leaked heap."""
        before = proc.profile.base_memory_mb + proc.garbage_mb + proc.leaked_mb
        proc.leaked_mb = 0.0
        proc.garbage_mb = 0.0
        proc.pid = self._rng.randint(100, 30000)
        self._logs.append(
            ts + 0.5,
            name,
            "INFO",
            f"Rolling restart of {name} completed (new pid {proc.pid}); heap {before:.0f} MB -> "
            f"{proc.profile.base_memory_mb:.0f} MB",
        )

    def _kill(self, ts: float, name: str, proc: _Process) -> None:
        self._logs.append(ts + 0.9, name, "ERROR", logtext.oom_killed(name, proc.pid, proc.heap_mb))
        proc.restarting = RESTART_SECONDS
        proc.leaked_mb = 0.0
        proc.garbage_mb = 0.0
        proc.heap_mb = proc.profile.base_memory_mb * 0.6
        self._t.up[name] = 0.0

    def _starting(self, ts: float, name: str, proc: _Process) -> None:
        proc.restarting -= 1
        self._t.cpu_seconds[name] += 0.6  # start-up work: imports, warm caches
        if proc.restarting:
            return
        proc.pid = self._rng.randint(100, 30000)
        proc.heap_mb = proc.profile.base_memory_mb
        self._t.up[name] = 1.0
        self._logs.append(
            ts + 0.5,
            name,
            "INFO",
            f"Starting {name} (pid {proc.pid}); ready to accept connections on :8080 after {RESTART_SECONDS} s",
        )
