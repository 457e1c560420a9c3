"""Build the metrics and log sources that ``DATA_MODE`` and the settings ask for."""

from __future__ import annotations

from dataclasses import dataclass

from core.config import Settings
from core.errors import ConfigError
from core.models import LogEvent
from core.sources.base import LogSource, MetricsSource
from core.sources.http import HttpAuth
from core.sources.log_files import LogFileSource
from core.sources.loki import LokiLogSource
from core.sources.presets import parse_presets
from core.sources.prometheus import PrometheusMetricsSource
from core.sources.promql import load_query_config


class NoLogSource:
    """Stands in when no log backend is configured: detection then runs on metrics alone."""

    name = "logs"
    target = "(none configured: set LOKI_URL or LOG_FILES)"

    def fetch(self, now: float) -> list[LogEvent]:
        return []


@dataclass(frozen=True)
class Sources:
    metrics: MetricsSource
    logs: LogSource


def _auth(token: object, username: str | None, password: object) -> HttpAuth | None:
    secret = token.get_secret_value() if token is not None else None  # type: ignore[attr-defined]
    pwd = password.get_secret_value() if password is not None else None  # type: ignore[attr-defined]
    if not secret and not username:
        return None
    try:
        return HttpAuth(bearer_token=secret or None, username=username, password=pwd)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc


def prometheus_loki_sources(settings: Settings) -> Sources:
    """Prometheus for metrics; Loki or log files (or nothing) for logs. ``ConfigError`` when incomplete."""
    if not settings.prometheus_url:
        raise ConfigError("DATA_MODE=prometheus_loki needs PROMETHEUS_URL (e.g. http://127.0.0.1:9090).")
    config = load_query_config(settings.promql_config_file) if settings.promql_config_file else None
    mode = settings.promql_preset_mode
    presets = parse_presets(mode)
    metrics = PrometheusMetricsSource(
        settings.prometheus_url,
        service_label=settings.service_label,
        config=config,
        extra_matchers=settings.prometheus_extra_matchers,
        auth=_auth(settings.prometheus_bearer_token, settings.prometheus_username, settings.prometheus_password),
        verify_tls=settings.prometheus_verify_tls,
        timeout=settings.prometheus_timeout_seconds,
        step=settings.prometheus_step_seconds,
        lookback=settings.prometheus_lookback_seconds,
        presets=presets,
        preset_mode=f"presets: {mode}" if presets else "config file only",
        refresh_seconds=settings.topology_refresh_seconds,
    )
    logs: LogSource
    if settings.loki_url:
        logs = LokiLogSource(
            settings.loki_url,
            services=metrics.known_services,
            selector_template=settings.loki_selector,
            service_label=settings.service_label,
            auth=_auth(settings.loki_bearer_token, settings.loki_username, settings.loki_password),
            tenant=settings.loki_tenant,
            verify_tls=settings.loki_verify_tls,
            timeout=settings.loki_timeout_seconds,
            limit=settings.loki_limit,
        )
    elif settings.log_files.strip():
        globs = [glob.strip() for glob in settings.log_files.split(",") if glob.strip()]
        logs = LogFileSource(globs, settings.log_files_service)
    else:
        logs = NoLogSource()
    return Sources(metrics, logs)
