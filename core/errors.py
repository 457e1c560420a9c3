"""The project's exception tree. Third-party errors are re-raised as these ``from`` the original."""

from __future__ import annotations


class IncidentToolError(Exception):
    """Base of every error this tool raises on purpose."""


class ConfigError(IncidentToolError):
    """A setting is missing or invalid."""


class SourceError(IncidentToolError):
    """A metrics or log source could not be read (network, HTTP status, unparseable payload)."""


class StoreError(IncidentToolError):
    """The DuckDB store could not be opened, migrated, read or written."""


class StoreLockedError(StoreError):
    """Another process holds the DuckDB file."""


class NotFoundError(IncidentToolError):
    """A requested record (incident, fault, agent run) does not exist."""


class FaultRequestError(IncidentToolError):
    """The demo service refused a fault request; the message says why."""


class LLMError(IncidentToolError):
    """The LLM call failed: timeout, HTTP error, or an answer that does not fit the schema."""


class AgentError(IncidentToolError):
    """An analysis agent failed; the supervisor records it and carries on with a partial report."""


class NotifyError(IncidentToolError):
    """A notification channel is misconfigured, or a message could not be delivered (the answer says why)."""


class InvalidInputError(IncidentToolError):
    """Something a user wrote breaks a rule (an empty section, a text too long); the message says which."""
