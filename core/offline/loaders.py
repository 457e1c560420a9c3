"""Metrics and logs from files (pure parsing over bytes; paths are read once, with a size cap).

Metrics come as a long CSV (``time,service,metric,value``) or a wide CSV (a ``time`` column and one
column per ``<service>_<metric>``). Times are unix seconds or milliseconds (by magnitude) or ISO 8601.
Structural problems (an empty file, no time column, a cell that is not a number) raise ``InputError``
naming the file, line and column; recoverable ones (missing values, unsorted or repeated times, a column
with no numbers at all) are repaired and reported as warnings, so nothing is dropped silently.
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from core.errors import IncidentToolError
from core.models import LogEvent
from core.offline.names import normalise_metric, split_column
from core.sources.log_lines import parse_line

MAX_FILE_BYTES = 64_000_000  # a day of a dozen services' metrics at 1 s fits in a few MB
TIME_COLUMNS = ("time", "timestamp", "ts")
MISSING = frozenset({"", "nan", "na", "n/a", "null", "none", "-"})
_NA_VALUES = sorted(
    {v for m in MISSING for v in (m, m.upper(), m.title())} | {"NaN", "N/A"}
)  # numeric columns stay numeric
_MS_ABOVE = 1e11  # epoch seconds stay below 1e11 until the year 5138; above it, milliseconds
_MAX_WARNED = 3  # examples quoted per warning
UNKNOWN_SERVICE = "unknown"  # the service of log lines that name none, unless the caller says otherwise


class InputError(IncidentToolError):
    """A file given for offline analysis cannot be used; the message names the file, line and column."""


@dataclass(frozen=True)
class MetricsFile:
    """Samples of one file (``ts, service, metric, value``, sorted) and what was repaired on the way."""

    name: str
    layout: str  # "long" or "wide"
    frame: pd.DataFrame
    warnings: tuple[str, ...] = ()

    @property
    def start(self) -> float:
        return float(self.frame["ts"].min())

    @property
    def end(self) -> float:
        return float(self.frame["ts"].max())


def read_bytes(path: str | Path, *, limit: int = MAX_FILE_BYTES) -> bytes:
    """The content of ``path``; ``InputError`` when it is missing, unreadable or larger than ``limit``."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > limit:
            raise InputError(_too_big(path.name, size, limit))
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror or exc})") from exc


def _too_big(name: str, size: int, limit: int) -> str:
    return (
        f"{name} is {size / 1e6:.0f} MB, over the {limit / 1e6:.0f} MB limit of offline analysis: "
        f"cut it to the hours around the incident (or resample it) and try again"
    )


def load_metrics(path: str | Path) -> MetricsFile:
    """Samples of a metrics CSV on disk (see ``parse_metrics``)."""
    return parse_metrics(read_bytes(path), Path(path).name)


def parse_metrics(content: bytes, name: str, *, limit: int = MAX_FILE_BYTES) -> MetricsFile:
    """Samples of a long or wide metrics CSV given as bytes; ``InputError`` for a file that cannot be used."""
    if len(content) > limit:
        raise InputError(_too_big(name, len(content), limit))
    if not content.strip():
        raise InputError(f"{name} is empty: expected a CSV with a header line and a time column")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)  # more fields than the header: data lost
            table = pd.read_csv(
                io.BytesIO(content),
                keep_default_na=False,
                na_values=_NA_VALUES,
                skipinitialspace=True,
                index_col=False,
                low_memory=False,
            )
    except pd.errors.ParserWarning as exc:
        raise InputError(f"{name}: a data line has more fields than the header line ({exc})") from exc
    except pd.errors.EmptyDataError as exc:
        raise InputError(f"{name} is empty: expected a CSV with a header line and a time column") from exc
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{name}: not a readable CSV ({str(exc).strip()})") from exc
    table.columns = [str(c).strip() for c in table.columns]
    time_col = next((c for c in table.columns if c.lower() in TIME_COLUMNS), None)
    if time_col is None:
        found = ", ".join(table.columns[:8]) + (", ..." if len(table.columns) > 8 else "")
        raise InputError(f"{name}: no time column; expected one named {' or '.join(TIME_COLUMNS)}, found: {found}")
    if table.empty:
        raise InputError(f"{name} has a header but no data rows")
    ts = parse_times(table[time_col], name, time_col)
    lower = {c.lower(): c for c in table.columns}
    if {"service", "metric", "value"} <= set(lower):
        frame, notes = _long(table, ts, name, lower)
        layout = "long"
    else:
        frame, notes = _wide(table, ts, name, time_col)
        layout = "wide"
    if frame.empty:
        raise InputError(f"{name}: no numeric samples left to analyse ({'; '.join(notes) or 'no metric columns'})")
    return MetricsFile(name=name, layout=layout, frame=frame, warnings=tuple(notes))


def parse_times(column: pd.Series, name: str, label: str) -> np.ndarray:
    """Unix seconds of a time column: numbers (seconds or milliseconds, by magnitude) or ISO 8601 text."""
    if pd.api.types.is_numeric_dtype(column):  # the common case: no text to look at unless a cell is bad
        numbers, text = column, None
    else:
        text = column.astype(str).str.strip()
        numbers = pd.to_numeric(text, errors="coerce")
    if numbers.notna().sum() * 2 > len(numbers):  # mostly numbers: epoch times, the rest are errors
        values = numbers.to_numpy(dtype=float)
        if not np.isfinite(values).all():
            why = "expected a time in unix seconds or milliseconds like the rows before"
            _raise_at(name, label, column.astype(str).str.strip() if text is None else text, ~np.isfinite(values), why)
        return values / 1000.0 if np.nanmax(np.abs(values)) > _MS_ABOVE else values
    text = column.astype(str).str.strip() if text is None else text
    parsed = pd.to_datetime(text, utc=True, errors="coerce", format="ISO8601")
    bad = parsed.isna().to_numpy()
    if bad.any():
        _raise_at(name, label, text, bad, "cannot read it as unix seconds, milliseconds or an ISO 8601 time")
    return (parsed - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy(dtype=float)


def _raise_at(name: str, label: str, text: pd.Series, bad: np.ndarray, why: str) -> None:
    row = int(np.flatnonzero(bad)[0])
    raise InputError(f"{name}: line {row + 2}, column '{label}': {text.iloc[row]!r}: {why}")


def _values(column: pd.Series, name: str, label: str) -> tuple[np.ndarray | None, int, int | None]:
    """(values with NaN for missing cells, count of missing cells, line of the first) of one column;
    None when the column holds no number at all. A text cell among numbers raises ``InputError``."""
    if pd.api.types.is_numeric_dtype(column):  # the common case: pandas read numbers (NaN where empty)
        numbers = column.to_numpy(dtype=float, copy=True)
        if not np.isfinite(numbers).any():
            return None, 0, None
        return _gaps(numbers)
    text = column.astype(str).str.strip()
    missing = column.isna().to_numpy() | np.isin(text.str.lower().to_numpy(dtype=str), list(MISSING))
    numbers = pd.to_numeric(text.where(~missing, None), errors="coerce").to_numpy(dtype=float, copy=True)
    if not np.isfinite(numbers).any():
        return None, 0, None
    bad = np.isnan(numbers) & ~missing
    if bad.any():
        _raise_at(name, label, text, bad, "not a number (leave the cell empty for a missing value)")
    return _gaps(numbers)


def _gaps(numbers: np.ndarray) -> tuple[np.ndarray, int, int | None]:
    """``numbers`` with NaN for every non-finite value, their count, and the line of the first."""
    gaps = ~np.isfinite(numbers)
    numbers[gaps] = np.nan
    first = int(np.flatnonzero(gaps)[0]) + 2 if gaps.any() else None
    return numbers, int(gaps.sum()), first


def _wide(table: pd.DataFrame, ts: np.ndarray, name: str, time_col: str) -> tuple[pd.DataFrame, list[str]]:
    notes: list[str] = []
    parts: list[pd.DataFrame] = []
    seen: dict[tuple[str, str], str] = {}
    skipped: list[str] = []
    gaps: list[str] = []
    for col in table.columns:
        if col == time_col:
            continue
        split = split_column(col)
        if split is None:
            skipped.append(f"'{col}' (not <service>_<metric>)")
            continue
        service, metric = split[0], normalise_metric(split[1])
        if (service, metric) in seen:
            skipped.append(f"'{col}' (same series as '{seen[(service, metric)]}')")
            continue
        values, n_missing, first = _values(table[col], name, col)
        if values is None:
            skipped.append(f"'{col}' (no numbers)")
            continue
        seen[(service, metric)] = col
        if n_missing:
            gaps.append(f"'{col}' {n_missing} (first at line {first})")
        parts.append(pd.DataFrame({"ts": ts, "service": service, "metric": metric, "value": values}))
    if skipped:
        notes.append(f"{name}: ignored {len(skipped)} column(s): {_some(skipped)}")
    if gaps:
        notes.append(f"{name}: skipped empty or non-finite cells in {len(gaps)} column(s): {_some(gaps)}")
    frame = pd.concat(parts, ignore_index=True) if parts else _empty()
    return _tidy(frame, name, notes), notes


def _long(table: pd.DataFrame, ts: np.ndarray, name: str, lower: dict[str, str]) -> tuple[pd.DataFrame, list[str]]:
    notes: list[str] = []
    for label in ("service", "metric"):
        empty = table[lower[label]].isna().to_numpy()
        if empty.any():
            _raise_at(name, lower[label], table[lower[label]].astype(str), empty, f"the {label} name is empty")
    services = table[lower["service"]].astype(str).str.strip()
    metrics = table[lower["metric"]].astype(str).str.strip()
    values, n_missing, first = _values(table[lower["value"]], name, lower["value"])
    if values is None:
        raise InputError(f"{name}: column '{lower['value']}' holds no number")
    if n_missing:
        notes.append(f"{name}: skipped {n_missing} rows with an empty or non-finite value (first at line {first})")
    names = {raw: normalise_metric(raw) for raw in metrics.unique()}
    frame = pd.DataFrame({"ts": ts, "service": services, "metric": metrics.map(names), "value": values})
    return _tidy(frame, name, notes), notes


def _tidy(frame: pd.DataFrame, name: str, notes: list[str]) -> pd.DataFrame:
    """Rows with a value, sorted by time; of repeated (time, service, metric) rows the last one is kept."""
    frame = frame[np.isfinite(frame["value"].to_numpy(dtype=float))]
    if not frame.groupby(["service", "metric"], sort=False)["ts"].is_monotonic_increasing.all():
        notes.append(f"{name}: rows were not in time order; sorted them by time")
    dup = frame.duplicated(["service", "metric", "ts"], keep="last")
    if dup.any():
        notes.append(f"{name}: {int(dup.sum())} repeated samples of the same series and time; kept the last of each")
        frame = frame[~dup]
    return frame.sort_values(["ts", "service", "metric"], kind="stable").reset_index(drop=True)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({"ts": pd.Series(dtype=float), "service": pd.Series(dtype=str),
                         "metric": pd.Series(dtype=str), "value": pd.Series(dtype=float)})  # fmt: skip


def _some(items: Sequence[str]) -> str:
    more = f" and {len(items) - _MAX_WARNED} more" if len(items) > _MAX_WARNED else ""
    return ", ".join(items[:_MAX_WARNED]) + more


def load_logs(path: str | Path, *, default_service: str = UNKNOWN_SERVICE) -> tuple[list[LogEvent], list[str]]:
    """Log events of a plain-text or JSON-lines file on disk (see ``parse_logs``)."""
    return parse_logs(read_bytes(path), Path(path).name, default_service=default_service)


def parse_logs(
    content: bytes, name: str, *, default_service: str = UNKNOWN_SERVICE
) -> tuple[list[LogEvent], list[str]]:
    """Log events (plain text with a leading ISO 8601 time, or JSON lines) and warnings. Lines without a time
    are left out and counted: they cannot be placed in the baseline or the window."""
    if len(content) > MAX_FILE_BYTES:
        raise InputError(_too_big(name, len(content), MAX_FILE_BYTES))
    events: list[LogEvent] = []
    untimed: list[int] = []
    for number, line in enumerate(content.decode("utf-8", errors="replace").splitlines(), start=1):
        if not line.strip():
            continue
        event = parse_line(line, default_ts=math.nan, default_service=default_service)
        if math.isnan(event.ts):
            untimed.append(number)
        else:
            events.append(event)
    notes = []
    if untimed:
        notes.append(
            f"{name}: left out {len(untimed)} line(s) without a timestamp (first: line {untimed[0]}); "
            "offline analysis needs a time on each line"
        )
    if not events:
        raise InputError(f"{name}: no log line with a timestamp (ISO 8601 at the start, or a JSON 'ts'/'time' field)")
    events.sort(key=lambda e: e.ts)
    return events, notes
