"""Finite resources besides CPU and memory: each service's data volume and the postgres connection pools.

Both advance once per simulated second, like ``Processes``: faults turn knobs, the shop reads what
they leave (a full disk, an exhausted pool) while it serves the next second's requests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from demo_service import logtext
from demo_service.effects import Effects
from demo_service.logbuffer import LogBuffer
from demo_service.telemetry import DB_CLIENTS, Telemetry
from demo_service.topology import DB_POOL_SIZE, DISK_SIZE_GIB, DISK_USED_GIB, POSTGRES, SERVICES

GIB = 1024.0**3
WRITE_BYTES = 1024  # heap and index growth of one postgres write, after checkpoints recycle WAL
TEMP_FILE_BYTES = 1 << 30  # postgres logs each 1 GiB temporary file a runaway query writes
POOL_TIMEOUT_SECONDS = 2.0  # how long a query waits for a pooled connection before giving up
LEAK_DETECTION_SECONDS = 10  # the pool warns about connections held longer than this


@dataclass(slots=True)
class _Volume:
    size: float  # bytes
    resting: float  # bytes used before any fault
    used: float  # bytes used now
    temp_files: int = 0  # temporary files written by a runaway query (postgres)


class Disks:
    """Each service's data volume: postgres grows slowly with writes; a fault fills one up."""

    def __init__(self, telemetry: Telemetry, logs: LogBuffer) -> None:
        self._t = telemetry
        self._logs = logs
        self._volumes = {
            name: _Volume(DISK_SIZE_GIB[name] * GIB, DISK_USED_GIB[name] * GIB, DISK_USED_GIB[name] * GIB)
            for name in SERVICES
        }
        self.write_failure: dict[str, float] = {}  # services whose writes fail now, with the share that does
        for name, volume in self._volumes.items():
            telemetry.disk_size_bytes[name] = volume.size
            telemetry.disk_used_bytes[name] = volume.used

    def step(self, ts: float, writes: int, effects: Effects, pid: int) -> None:
        """Account one second: ``writes`` postgres writes, and the fill of every faulted volume."""
        self._volumes[POSTGRES].used += writes * WRITE_BYTES
        self.write_failure = {}
        for name, volume in self._volumes.items():
            knobs = effects.services.get(name)
            fill = knobs.disk_fill_percent_per_second if knobs is not None else 0.0
            if knobs is not None and fill:
                self._fill(ts, name, volume, fill, pid)
                if volume.used >= volume.size:
                    self.write_failure[name] = knobs.disk_write_failure_probability
            elif volume.temp_files:
                self._freed(ts, name, volume)
            self._t.disk_used_bytes[name] = float(round(volume.used))

    def _fill(self, ts: float, name: str, volume: _Volume, percent: float, pid: int) -> None:
        before = volume.used
        volume.used = min(volume.size, volume.used + volume.size * percent / 100.0)
        files = math.floor((volume.used - volume.resting) / TEMP_FILE_BYTES)
        for number in range(volume.temp_files, files):
            if name == POSTGRES:  # log_temp_files; an application's debug log grows silently
                self._logs.append(ts + 0.2, name, "INFO", logtext.temp_file(pid, number, TEMP_FILE_BYTES))
        volume.temp_files = max(volume.temp_files, files)
        if before < volume.size <= volume.used:
            self._logs.append(ts + 0.3, name, "ERROR", logtext.volume_full(name, volume.size / GIB))

    def _freed(self, ts: float, name: str, volume: _Volume) -> None:
        """The runaway query is cancelled (fault over): its temporary files are removed."""
        freed = volume.used - volume.resting
        volume.used = volume.resting
        volume.temp_files = 0
        self._logs.append(ts + 0.5, name, "INFO", logtext.space_freed(name, freed / GIB))


@dataclass(slots=True)
class _Pool:
    leaked: float = 0.0  # connections checked out and never returned
    leaking_for: int = 0  # seconds since the first leaked connection


class Pools:
    """The postgres connection pool of each database client (size ``DB_POOL_SIZE``)."""

    def __init__(self, telemetry: Telemetry, logs: LogBuffer) -> None:
        self._t = telemetry
        self._logs = logs
        self._pools = {name: _Pool() for name in DB_CLIENTS}
        self.exhausted: dict[str, int] = {}  # clients with no free connection -> requests waiting
        for name in DB_CLIENTS:
            telemetry.pool_in_use[name] = 0.0

    def step(self, ts: float, busy_seconds: dict[str, float], timeouts: dict[str, int], effects: Effects) -> None:
        """Account one second: ``busy_seconds`` of queries and ``timeouts`` waits that failed, per client."""
        self.exhausted = {}
        for name, pool in self._pools.items():
            knobs = effects.services.get(name)
            leak = knobs.pool_leak_per_second if knobs is not None else 0.0
            if leak:
                pool.leaked = min(float(DB_POOL_SIZE), pool.leaked + leak)
                pool.leaking_for += 1
                if pool.leaking_for > LEAK_DETECTION_SECONDS and pool.leaking_for % 5 == 0:
                    message = logtext.pool_leak(DB_POOL_SIZE, int(pool.leaked), LEAK_DETECTION_SECONDS)
                    self._logs.append(ts + 0.6, name, "WARN", message)
            elif pool.leaked:
                pool.leaked = 0.0  # the leaking code path is gone (fault over): the pool recycles them
                pool.leaking_for = 0
            in_use = min(float(DB_POOL_SIZE), math.floor(pool.leaked) + math.ceil(busy_seconds.get(name, 0.0)))
            waiting = round(timeouts.get(name, 0) * POOL_TIMEOUT_SECONDS)
            if pool.leaked >= DB_POOL_SIZE:
                self.exhausted[name] = max(waiting, 1)
            self._t.pool_in_use[name] = in_use
            self._t.pool_waiting[name] = float(waiting)
