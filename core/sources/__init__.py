"""Data sources: each has a fetch (HTTP, file) and a pure parse, and reports its own health."""
