"""Loghub-2k log-parsing benchmark for the template miner: GA, FGA, PA per system and lines per second."""
