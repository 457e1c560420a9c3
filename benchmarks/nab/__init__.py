"""NAB benchmark for the streaming anomaly detector: runner, corpus reader and NAB scorer."""
