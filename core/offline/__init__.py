"""Offline analysis: metrics (and optional logs) from files, analysed by the same agents as live incidents."""
