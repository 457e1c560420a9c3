"""Persistence in one DuckDB file: incidents, agent runs, metric samples, log events, faults."""

from core.store.store import Store

__all__ = ["Store"]
