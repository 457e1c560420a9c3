"""Versioned schema migrations. Append new versions; never edit or drop an applied one."""

from __future__ import annotations

from core.store import actions, alerts, analyses, calibrations, memory, outbox, templates

MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (
        1,
        "seed tables (incidents, agent_runs) plus samples, log events and faults",
        [
            """CREATE TABLE incidents (
                id VARCHAR PRIMARY KEY,
                status VARCHAR NOT NULL,
                severity VARCHAR NOT NULL,
                title VARCHAR NOT NULL,
                start_time TIMESTAMPTZ NOT NULL,
                end_time TIMESTAMPTZ,
                signals_json VARCHAR NOT NULL DEFAULT '[]',
                final_summary_json VARCHAR,
                rca_markdown VARCHAR,
                detected_at TIMESTAMPTZ NOT NULL,
                updated_at TIMESTAMPTZ,
                fingerprint VARCHAR NOT NULL,
                services_json VARCHAR NOT NULL DEFAULT '[]',
                analysis_status VARCHAR NOT NULL DEFAULT 'pending',
                root_cause_service VARCHAR,
                root_cause_kind VARCHAR,
                root_cause_confidence DOUBLE,
                acknowledged_by VARCHAR,
                acknowledged_at TIMESTAMPTZ,
                resolved_by VARCHAR,
                resolution_note VARCHAR
            )""",
            """CREATE TABLE agent_runs (
                id VARCHAR PRIMARY KEY,
                incident_id VARCHAR NOT NULL,
                analysis_id VARCHAR NOT NULL,
                agent_name VARCHAR NOT NULL,
                started_at TIMESTAMPTZ NOT NULL,
                finished_at TIMESTAMPTZ NOT NULL,
                input_json VARCHAR NOT NULL,
                output_json VARCHAR NOT NULL,
                latency_ms DOUBLE NOT NULL,
                status VARCHAR NOT NULL,
                error VARCHAR,
                model VARCHAR,
                prompt_tokens INTEGER NOT NULL DEFAULT 0,
                completion_tokens INTEGER NOT NULL DEFAULT 0
            )""",
            "CREATE INDEX agent_runs_incident ON agent_runs (incident_id)",
            """CREATE TABLE metric_samples (
                ts DOUBLE NOT NULL,
                service VARCHAR NOT NULL,
                metric VARCHAR NOT NULL,
                value DOUBLE NOT NULL
            )""",
            """CREATE TABLE log_events (
                ts DOUBLE NOT NULL,
                service VARCHAR NOT NULL,
                level VARCHAR NOT NULL,
                message VARCHAR NOT NULL,
                attrs_json VARCHAR NOT NULL DEFAULT '{}'
            )""",
            """CREATE TABLE faults (
                id VARCHAR PRIMARY KEY,
                type VARCHAR NOT NULL,
                target VARCHAR NOT NULL,
                intensity DOUBLE NOT NULL,
                started_at DOUBLE NOT NULL,
                expires_at DOUBLE NOT NULL,
                stopped_at DOUBLE
            )""",
        ],
    ),
    (
        2,
        "feedback on the RCA of an incident (right or wrong, the actual cause)",
        [
            """CREATE TABLE rca_feedback (
                incident_id VARCHAR NOT NULL,
                verdict VARCHAR NOT NULL,
                actual_cause VARCHAR NOT NULL DEFAULT '',
                given_by VARCHAR NOT NULL,
                note VARCHAR NOT NULL DEFAULT '',
                created_at DOUBLE NOT NULL
            )""",
            "CREATE INDEX rca_feedback_incident ON rca_feedback (incident_id)",
        ],
    ),
    (3, "log templates mined from log lines, and the ids folded into others", templates.MIGRATION_STATEMENTS),
    (
        4,
        "alerts delivered by Alertmanager or POST /api/alerts, one row per (fingerprint, starts_at)",
        alerts.MIGRATION_STATEMENTS,
    ),
    (
        5,
        "the notification outbox: every message before it is sent, and the outcome of its attempts",
        outbox.MIGRATION_STATEMENTS,
    ),
    (
        6,
        "every analysis of an incident kept as a revision (the reports stored so far become revision 1)",
        analyses.MIGRATION_STATEMENTS,
    ),
    (
        7,
        "incident fingerprints (for similar incidents) and postmortem versions (their edit history)",
        memory.MIGRATION_STATEMENTS,
    ),
    (
        8,
        "the immediate actions ticked on each incident's checklist (who, when; every tick kept)",
        actions.MIGRATION_STATEMENTS,
    ),
    # Versions are applied by number, each once: a database that got 9 before 8 existed gets 8 at its next start.
    (
        9,
        "confidence recalibrations fitted on responders' verdicts (calibrate --from-feedback), one row per fit",
        calibrations.MIGRATION_STATEMENTS,
    ),
]
