"""Pure formatting helpers for the pages: UTC times, durations, confidences, safe text. No Streamlit here."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Literal

import pandas as pd

from core.agents.recalibration import FeedbackCalibration
from core.config import Settings
from core.detection.promise import Expected
from core.errors import (
    ConfigError,
    FaultRequestError,
    IncidentToolError,
    NotFoundError,
    SourceError,
    StoreError,
    StoreLockedError,
)
from core.models import Feedback, Incident
from core.redaction import redact_url as _redact_url
from core.report.escape import streamlit_text

DASH = "—"

#: The colours ``st.badge`` accepts.
BadgeColor = Literal["red", "orange", "yellow", "blue", "green", "violet", "gray", "grey", "primary"]

SEVERITY_COLORS: dict[str, BadgeColor] = {"SEV1": "red", "SEV2": "orange", "SEV3": "yellow", "SEV4": "gray"}
STATUS_COLORS: dict[str, BadgeColor] = {"OPEN": "red", "INVESTIGATING": "orange", "RESOLVED": "green"}
ANALYSIS_COLORS: dict[str, BadgeColor] = {
    "pending": "gray",
    "running": "blue",
    "done": "green",
    "partial": "orange",
    "failed": "red",
    "interrupted": "orange",
}

#: Settings whose names contain one of these words are secrets: shown only as "set" / "not set".
_SECRET_WORDS = ("key", "token", "secret", "password", "webhook")


def fmt_ts(ts: float | None, *, seconds: bool = True) -> str:
    """Unix seconds as ``YYYY-MM-DD HH:MM:SS UTC``; a dash for None."""
    if ts is None:
        return DASH
    pattern = "%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M"
    return datetime.fromtimestamp(ts, tz=UTC).strftime(pattern) + " UTC"


def fmt_clock(ts: float | None) -> str:
    """Unix seconds as ``HH:MM:SS`` (UTC), for compact lists; a dash for None."""
    if ts is None:
        return DASH
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%H:%M:%S")


def fmt_duration(seconds: float | None) -> str:
    """A duration in the two largest units: ``45 s``, ``3 min 20 s``, ``2 h 5 min``, ``1 d 3 h``."""
    if seconds is None:
        return DASH
    total = max(0, round(seconds))
    if total < 60:
        return f"{total} s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def fmt_ago(ts: float | None, now: float) -> str:
    """How long before ``now`` the time ``ts`` was: ``12 s ago``; a dash for None."""
    if ts is None:
        return DASH
    if abs(now - ts) < 1:
        return "just now"
    if ts > now:
        return f"in {fmt_duration(ts - now)}"
    return f"{fmt_duration(now - ts)} ago"


def fmt_confidence(confidence: float | None) -> str:
    """A 0..1 confidence as a whole percentage; a dash for None."""
    if confidence is None:
        return DASH
    return f"{confidence * 100:.0f} %"


def short_id(identifier: str) -> str:
    """The first 8 characters of an id, enough to tell incidents apart on screen."""
    return identifier[:8]


def incident_duration(incident: Incident, now: float) -> float:
    """Seconds from the first signal to the end (or to ``now`` while the incident is open)."""
    end = incident.end_time if incident.end_time is not None else now
    return max(0.0, end - incident.start_time)


def root_cause_text(incident: Incident) -> str:
    """``db_slow on postgres`` or a dash when no root cause was named yet."""
    if not incident.root_cause_kind and not incident.root_cause_service:
        return DASH
    kind = incident.root_cause_kind or "unknown cause"
    return f"{kind} on {incident.root_cause_service}" if incident.root_cause_service else kind


def cause_label(incident: Incident) -> str:
    """The latest cause for a list: ``db_slow on postgres``; else what the analysis says: ``cause pending`` only
    before the first analysis has finished, ``no cause found`` after one that named none, ``analysis failed``."""
    cause = root_cause_text(incident)
    if cause != DASH:
        return cause
    if incident.final_summary is not None and incident.final_summary.root_cause is not None:
        return "no cause found"
    if incident.analysis_status in ("pending", "running"):
        return "cause pending"
    return f"analysis {incident.analysis_status}"


#: Untrusted text (titles, log templates) for Streamlit Markdown, rendered literally (``core.report.escape``).
md_escape = streamlit_text


def redact_url(url: str | None) -> str:
    """The URL as ``core.redaction`` shows it (no user info, query or fragment); a dash for None."""
    return _redact_url(url) if url else DASH


def is_secret_setting(name: str) -> bool:
    """True for settings that hold credentials (API keys, tokens, webhook URLs)."""
    return any(word in name.lower() for word in _SECRET_WORDS)


def public_settings(settings: Settings) -> list[tuple[str, str]]:
    """Every setting as (ENV_NAME, shown value); secrets appear only as ``set`` / ``not set``."""
    rows: list[tuple[str, str]] = []
    for name in sorted(type(settings).model_fields):
        value = getattr(settings, name)
        if is_secret_setting(name):
            shown = "set (hidden)" if value else "not set"
        elif value is None:
            shown = "not set"
        elif isinstance(value, str) and "://" in value:
            shown = redact_url(value)
        else:
            shown = str(value)
        rows.append((name.upper(), shown))
    return rows


def llm_mode(settings: Settings) -> str:
    """How the analysis runs: deterministic only, or with LLM refinement (model and base URL, never the key)."""
    if not settings.llm_enabled:
        return "Deterministic analyzers (no OPENAI_API_KEY)"
    base = redact_url(settings.openai_base_url) if settings.openai_base_url else "https://api.openai.com/v1 (default)"
    return f"LLM refinement: model {settings.openai_model} at base URL {base}"


def promise_text(expected: Expected, target: str) -> str:
    """What the Fault injection page promises: ``Detection should take about 15 s (at most ~20 s)``, with the
    target's traffic when it decides the delay."""
    rate = expected.rate
    traffic = f", at the {rate:.1f} requests a second {target} answers now" if rate is not None else ""
    if expected.at_most is None:
        return (
            f"Detection may take minutes: {target} answers only {rate or 0:.1f} requests a second, too few for the "
            "error-rate rule to judge within a minute; the anomaly and log rules may see it first."
        )
    return f"Detection should take about {expected.about:.0f} s (at most ~{expected.at_most:.0f} s){traffic}."


def advice_for(exc: Exception) -> str:
    """What the user can do about one of our errors."""
    if isinstance(exc, StoreLockedError):
        return (
            "Stop the other process that uses the database (another `streamlit run` or CLI command), "
            "or set INCIDENT_DB_PATH to another file, then reload this page."
        )
    if isinstance(exc, StoreError):
        return (
            "Reload the page. If it keeps failing, check the disk and the file at INCIDENT_DB_PATH, "
            "or point INCIDENT_DB_PATH to a new file and restart the app."
        )
    if isinstance(exc, SourceError):
        return (
            "Check that the demo service is running (see the Status page): unset DEMO_SERVICE_URL to use "
            "the embedded one, or fix the URL, then retry."
        )
    if isinstance(exc, ConfigError):
        return "Fix the environment variable named above (see the README for every setting) and restart the app."
    if isinstance(exc, FaultRequestError):
        return "Change the request (target, intensity, duration) and try again."
    if isinstance(exc, NotFoundError):
        return "It may have been deleted or the link is wrong: go back to the incident list."
    if isinstance(exc, IncidentToolError):
        return "Retry; if it keeps failing, check the Status page and the server log."
    return "Check the server log."


def explain(exc: Exception, doing: str) -> str:
    """One message for ``st.error``: what failed, why, and what to do."""
    return f"Could not {doing}: {exc}\n\n**What to do:** {advice_for(exc)}"


def feedback_text(feedback: Feedback | None) -> str:
    """``✓ right``, ``✗ wrong: db_slow on database`` or a dash when nobody gave feedback."""
    if feedback is None:
        return DASH
    if feedback.verdict == "right":
        return "✓ right"
    return f"✗ wrong: {feedback.actual_cause}" if feedback.actual_cause else "✗ wrong"


def recurring_text(count: int | None) -> str:
    """``×3`` for an incident with three earlier similar ones; empty for a first occurrence."""
    return f"×{count}" if count else ""


def incident_table(
    incidents: list[Incident],
    now: float,
    feedback: Mapping[str, Feedback] | None = None,
    recurring: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """One display row per incident (id kept in ``id`` for links; ``ID`` is the short form; ``Recurring`` counts
    the earlier incidents similar to it)."""
    feedback = feedback or {}
    recurring = recurring or {}
    rows = [
        {
            "id": incident.id,
            "ID": short_id(incident.id),
            "Title": incident.title,
            "Severity": incident.severity,
            "Status": incident.status,
            "Service": incident.root_cause_service or ", ".join(incident.services) or DASH,
            "Root cause": incident.root_cause_kind or DASH,
            "Recurring": recurring_text(recurring.get(incident.id)),
            "Confidence": incident.root_cause_confidence,
            "Start (UTC)": fmt_ts(incident.start_time).removesuffix(" UTC"),
            "Duration": fmt_duration(incident_duration(incident, now)),
            "Analysis": incident.analysis_status,
            "RCA feedback": feedback_text(feedback.get(incident.id)),
        }
        for incident in incidents
    ]
    return pd.DataFrame(rows, columns=list(INCIDENT_COLUMNS))


INCIDENT_COLUMNS: tuple[str, ...] = (
    "id",
    "ID",
    "Title",
    "Severity",
    "Status",
    "Service",
    "Root cause",
    "Recurring",
    "Confidence",
    "Start (UTC)",
    "Duration",
    "Analysis",
    "RCA feedback",
)


def calibration_line(stored: FeedbackCalibration | None) -> str:
    """One line on the confidence calibration in force: the benchmark's alone, or the refit from verdicts."""
    if stored is None:
        return "the benchmark's fit alone (refit from verdicts with `python -m core.cli calibrate --from-feedback`)"
    when = fmt_ts(stored.fitted_at, seconds=False)
    if stored.map.identity:
        return f"the benchmark's fit alone (refit reset by {stored.fitted_by}, {when})"
    return (
        f"refit from {stored.verdicts} verdicts by {stored.fitted_by}, {when} "
        f"(slope {stored.slope:.2f}, intercept {stored.intercept:+.2f} on the log-odds)"
    )
