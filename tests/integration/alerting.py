"""Real Prometheus (with a rule file) and Alertmanager (webhook to the app) on 127.0.0.1, with temporary
storage, stopped by PID; and the app itself as a ``streamlit run app/main.py`` process, restartable."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import BinaryIO

from tests.sources.prometheus_server import PROMETHEUS, REPO, free_port, stop, wait_until

ALERTMANAGER = shutil.which("prometheus-alertmanager") or "/usr/bin/prometheus-alertmanager"

ERROR_RATE_RULE = textwrap.dedent(
    """\
    groups:
      - name: shop
        rules:
          - alert: HighErrorRate
            expr: >
              sum by (service) (rate(shop_requests_total{code=~"5.."}[10s]))
              / sum by (service) (rate(shop_requests_total[10s])) > 0.05
            for: 5s
            labels:
              severity: critical
            annotations:
              summary: "{{ $labels.service }} answers more than 5% of requests with 5xx"
    """
)


def alerting_available() -> bool:
    return os.access(PROMETHEUS, os.X_OK) and os.access(ALERTMANAGER, os.X_OK)


class Server:
    """A subprocess with its log in a temporary folder; ``stop()`` ends it by its PID."""

    def __init__(self, name: str) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix=f"{name}-test-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self._log: BinaryIO | None = None

    def _start(self, command: list[str], ready: str, what: str, **kwargs: object) -> None:
        self._log = open(self.dir / "output.log", "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT, **kwargs)  # type: ignore[call-overload]
        wait_until(f"{self.url}{ready}", 60, what, self.process)

    def log(self) -> str:
        path = self.dir / "output.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class Alertmanager(Server):
    """Debian's Alertmanager routing every alert to ``webhook`` (group_wait 1 s), clustering off."""

    def __init__(self, webhook: str) -> None:
        super().__init__("alertmanager")
        (self.dir / "alertmanager.yml").write_text(
            textwrap.dedent(
                f"""\
                route:
                  receiver: app
                  group_by: [alertname, service]
                  group_wait: 1s
                  group_interval: 1s
                  repeat_interval: 1h
                receivers:
                  - name: app
                    webhook_configs:
                      - url: {webhook}
                        send_resolved: true
                """
            )
        )

    def start(self) -> None:
        self._start(
            [
                ALERTMANAGER,
                f"--config.file={self.dir / 'alertmanager.yml'}",
                f"--storage.path={self.dir / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--cluster.listen-address=",  # no gossip port on 0.0.0.0
                "--log.level=warn",
            ],
            "/-/ready",
            "alertmanager",
        )


class PrometheusWithRules(Server):
    """Debian's Prometheus scraping ``targets`` (job name -> host:port) every second, evaluating ``rules`` and
    sending alerts to ``alertmanager``."""

    def __init__(self, targets: dict[str, str], rules: str, alertmanager: str) -> None:
        super().__init__("prometheus")
        (self.dir / "rules.yml").write_text(rules)
        jobs = "".join(
            f"  - job_name: {job}\n    static_configs:\n      - targets: ['{target}']\n"
            for job, target in targets.items()
        )
        (self.dir / "prometheus.yml").write_text(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n"
            f"rule_files: ['{self.dir / 'rules.yml'}']\n"
            f"alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['{alertmanager}']\n"
            f"scrape_configs:\n{jobs}"
        )

    def start(self) -> None:
        self._start(
            [
                PROMETHEUS,
                f"--config.file={self.dir / 'prometheus.yml'}",
                f"--storage.tsdb.path={self.dir / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--log.level=warn",
            ],
            "/-/ready",
            "prometheus",
        )


class AppServer(Server):
    """The tool as ``make run`` starts it (``streamlit run app/main.py`` on 127.0.0.1), with ``env`` added."""

    def __init__(self, env: dict[str, str]) -> None:
        super().__init__("app")
        self.env = {k: v for k, v in os.environ.items() if k not in ("API_TOKEN", "OPENAI_API_KEY")} | env

    def start(self) -> None:
        self._start(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app/main.py",
                "--server.address",
                "127.0.0.1",
                "--server.port",
                str(self.port),
                "--server.fileWatcherType",
                "none",
            ],
            "/api/health",
            "the app",
            cwd=REPO,
            env=self.env,
        )
