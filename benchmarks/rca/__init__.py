"""``python -m benchmarks.rca``: every fault kind on every target, pairs and fault-free days, scored."""
