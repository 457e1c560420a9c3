"""``python -m benchmarks.api``: N concurrent clients for S seconds against the API of a real server process.

    python -m benchmarks.api [--clients 100] [--seconds 30]

Starts the app as ``make run`` does (``streamlit run app/main.py`` on 127.0.0.1, a temporary database, the
embedded demo service, the detection loop every 5 s), injects a fault and waits for its analysed incident, opens
the dashboard in Chromium (Playwright, ``/usr/bin/chromium``) and keeps it open, then runs the clients: each
loops over a mix of reads (incident list and detail, the Markdown report, health, status) and writes (a generic
alert redelivered, an acknowledgement). It prints requests per second, latency percentiles, failed requests and
how often the server logged DuckDB's "connection is busy" refusal; it exits 1 when any request failed or that
error appeared. Run it under ``nice`` on a shared machine: the clients share the two cores with the server.
"""

from __future__ import annotations

import argparse
import sys

from benchmarks.api.load import run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=100, help="concurrent clients (default 100)")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long they send (default 30)")
    args = parser.parse_args(argv)
    return run(args.clients, args.seconds)


if __name__ == "__main__":
    sys.exit(main())
