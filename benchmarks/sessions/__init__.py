"""Demo-like sessions: a dozen faults one after another, scored fault by fault (``python -m benchmarks.sessions``)."""
