"""Command-line interface: ``python -m core.cli --help``."""
