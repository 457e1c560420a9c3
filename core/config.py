"""Settings: the one place that reads the environment. Build once per process with ``load_settings()`` (in
``app/`` or the CLI) and pass it down; nothing else in ``core`` builds them. ``secret_from_env`` reads the
variables that ``NOTIFICATIONS_FILE`` names for its secrets (the file holds their names, never their values).

This module imports nothing from the project but ``core.errors`` (a leaf), so every layer may import it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.errors import ConfigError

MAX_SHOWN_VALUE_CHARS = 60  # of a refused value quoted in a ConfigError


class Settings(BaseSettings):
    """Every tunable of the tool, read from environment variables of the same name (upper case)."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", case_sensitive=False)

    # Data sources
    data_mode: Literal["simulated", "prometheus_loki"] = "simulated"
    demo_service_url: str | None = Field(
        default=None,
        description="Use a running demo service instead of the embedded one.",
    )
    demo_seed: int = 42

    # Prometheus and Loki (DATA_MODE=prometheus_loki)
    prometheus_url: str | None = None
    prometheus_bearer_token: SecretStr | None = None
    prometheus_username: str | None = None
    prometheus_password: SecretStr | None = None
    prometheus_verify_tls: bool = True
    prometheus_timeout_seconds: float = Field(default=5.0, gt=0)
    prometheus_step_seconds: float = Field(default=5.0, gt=0)
    prometheus_lookback_seconds: float = Field(default=15.0, gt=0)
    prometheus_extra_matchers: str = ""
    service_label: str = "service"
    promql_config_file: Path | None = None
    promql_preset: str | None = Field(
        default=None,
        description="auto (every preset whose metrics exist), none, or a comma list of shop, otel, istio, linkerd,"
        " kubernetes, service_graph; default auto without PROMQL_CONFIG_FILE, none with it.",
    )
    topology_refresh_seconds: float = Field(
        default=60.0, gt=0, description="How often the metrics and edges that exist are re-discovered."
    )
    loki_url: str | None = None
    loki_bearer_token: SecretStr | None = None
    loki_username: str | None = None
    loki_password: SecretStr | None = None
    loki_verify_tls: bool = True
    loki_timeout_seconds: float = Field(default=5.0, gt=0)
    loki_tenant: str | None = None
    loki_selector: str = "{service=$service}"
    loki_limit: int = Field(default=1000, ge=1, le=5000)
    log_files: str = Field(default="", description="Comma-separated globs of log files to follow instead of Loki.")
    log_files_service: str = "app"

    # Store
    incident_db_path: Path = Path("data/incidents.duckdb")
    retention_hours: float = Field(default=48.0, gt=0)

    # Detection
    detection_interval_seconds: float = Field(default=5.0, gt=0)
    error_rate_threshold: float = Field(default=0.05, gt=0, lt=1)
    latency_p95_threshold_ms: float = Field(default=1000.0, gt=0)
    memory_threshold_mb: float = Field(default=500.0, gt=0)
    memory_forecast_horizon_seconds: float = Field(default=600.0, gt=0)
    cpu_threshold_percent: float = Field(default=90.0, gt=0, description="Percent of one core (of the CPU limit).")
    disk_threshold_percent: float = Field(default=90.0, gt=0, le=100)
    db_pool_threshold: float = Field(default=0.95, gt=0, le=1, description="Connections in use / pool size.")
    slow_query_log_threshold: int = Field(default=5, ge=1)
    connection_error_log_threshold: int = Field(default=5, ge=1)
    confirmation_seconds: float = Field(default=10.0, ge=0)
    resolve_after_seconds: float = Field(default=60.0, gt=0)
    baseline_seconds: float = Field(default=600.0, gt=0)
    anomaly_alert_threshold: float = Field(
        default=0.3,  # core.anomaly.DEFAULT_ALERT_THRESHOLD (tests/test_config.py keeps the two equal)
        gt=0,
        le=1,
        description="Anomaly score that starts an anomaly episode on a metric series (the detector's alert threshold).",
    )
    anomaly_sustain_seconds: float = Field(
        default=30.0, gt=0, description="How long an anomaly episode must last before the anomaly rule fires."
    )
    log_pattern_min_lines: int = Field(
        default=5, ge=1, description="Lines of one new or surging ERROR pattern from one service in one poll."
    )
    log_pattern_surge_factor: float = Field(
        default=5.0, gt=1, description="A pattern surges when its rate in a poll is this many times its baseline rate."
    )

    target_down_severity: Literal["SEV1", "SEV2", "SEV3", "SEV4"] = Field(
        default="SEV2",
        description="Severity of an incident a target that stops answering opens (up == 0, a failed scrape).",
    )

    # Alert intake (POST /api/alerts/alertmanager and /api/alerts)
    alert_service_labels: str = Field(
        default="service,job",
        description="Comma-separated alert labels that name the service, the first present wins.",
    )

    # HTTP API
    api_token: SecretStr | None = Field(
        default=None,
        description="Bearer token the write endpoints require; without it the server binds only to loopback.",
    )

    # Notifications (core/notify)
    public_url: str = Field(
        default="http://127.0.0.1:8501",
        description="Where people reach the app: links in notifications point to its incident pages.",
    )
    notifications_file: Path | None = Field(
        default=None, description="TOML file of notification channels and routes (secrets as env variable names)."
    )
    notify_webhook_url: SecretStr | None = Field(
        default=None, description="Send every incident event to this generic webhook (no NOTIFICATIONS_FILE needed)."
    )
    notify_webhook_secret: SecretStr | None = Field(
        default=None, description="Key of the HMAC-SHA256 signature of NOTIFY_WEBHOOK_URL's messages."
    )
    notify_max_attempts: int = Field(default=12, ge=1, le=100, description="Tries per message before it is failed.")
    notify_retry_base_seconds: float = Field(default=5.0, gt=0, description="Wait before the first retry; doubles.")
    notify_retry_max_seconds: float = Field(default=600.0, gt=0, description="Longest wait between two tries.")
    notify_timeout_seconds: float = Field(default=10.0, gt=0, description="Per delivery attempt (HTTP or SMTP).")

    # Analysis
    analysis_workers: int = Field(default=4, ge=1, le=32)

    # Memory (core/memory): similar past incidents and what responders confirmed on them
    similarity_threshold: float = Field(
        default=0.6, ge=0.0, le=1.0, description="Fingerprint similarity (0-1) from which a past incident is similar."
    )
    feedback_max_boost: float = Field(
        default=1.0, ge=0.0, le=5.0, description="Evidence units feedback on similar incidents may add or remove."
    )

    # LLM (optional)
    openai_api_key: SecretStr | None = None
    openai_model: str = "gpt-4o-mini"
    openai_base_url: str | None = None
    llm_timeout_seconds: float = Field(default=30.0, gt=0)
    llm_max_retries: int = Field(default=2, ge=0, le=2)

    @property
    def promql_preset_mode(self) -> str:
        """PROMQL_PRESET as it applies: ``auto`` by default without PROMQL_CONFIG_FILE, ``none`` with it."""
        if self.promql_preset is not None and self.promql_preset.strip():
            return self.promql_preset.strip().lower()
        return "none" if self.promql_config_file else "auto"

    @property
    def api_token_set(self) -> bool:
        """True when API_TOKEN is set to a non-empty value (the token itself is never shown)."""
        return self.api_token is not None and bool(self.api_token.get_secret_value())

    @property
    def service_labels(self) -> tuple[str, ...]:
        """ALERT_SERVICE_LABELS as a tuple of label names, in order."""
        return tuple(name.strip() for name in self.alert_service_labels.split(",") if name.strip())

    @property
    def llm_enabled(self) -> bool:
        """True when an API key is configured (the key itself is never shown)."""
        return self.openai_api_key is not None and bool(self.openai_api_key.get_secret_value())


def secret_from_env(name: str) -> str | None:
    """The value of the environment variable ``name`` (a secret a notification channel names), None when unset
    or empty. Only ``core.notify`` calls this, once per channel when the runtime starts."""
    value = os.environ.get(name, "")
    return value or None


def load_settings() -> Settings:
    """The settings from the environment; ``ConfigError`` with one line naming each refused variable."""
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigError(describe(exc)) from exc


def describe(exc: ValidationError) -> str:
    """``VARIABLE: what is wrong (got 'value')`` per error, ``; ``-separated on one line.

    The value is quoted (as a Python literal, so a newline stays ``\\n``) and cut to ``MAX_SHOWN_VALUE_CHARS``,
    except for secrets and URLs (a URL may carry credentials): those are never shown.
    """
    problems = []
    for error in exc.errors(include_url=False):
        field = "_".join(str(part) for part in error["loc"])
        problem = f"{field.upper() or 'SETTINGS'}: {error['msg']}"
        if field not in _HIDDEN and isinstance(error.get("input"), str | int | float):
            problem += f" (got {str(error['input'])[:MAX_SHOWN_VALUE_CHARS]!r})"
        problems.append(problem)
    return "; ".join(problems)


#: Fields whose refused value is never quoted back: secrets, and URLs (which may hold credentials).
_HIDDEN = frozenset(
    name
    for name, field in Settings.model_fields.items()
    if "SecretStr" in str(field.annotation) or name.endswith("_url")
)
