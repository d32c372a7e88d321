"""The ledger's tables. A new version adds a step here; a ledger is never rewritten by hand."""

from __future__ import annotations

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE schema_version (version INTEGER NOT NULL);

CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    campaign_id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    as_of TEXT NOT NULL,
    operator TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'interrupted', 'died')),
    recipients INTEGER NOT NULL,
    sent INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    deferred INTEGER NOT NULL DEFAULT 0,
    unknown INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX runs_by_campaign ON runs (campaign_id, started_at);

CREATE TABLE approvals (
    id INTEGER PRIMARY KEY,
    campaign_id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    files TEXT NOT NULL,
    approved_by TEXT NOT NULL,
    login TEXT NOT NULL,
    approved_at TEXT NOT NULL,
    note TEXT,
    recipients INTEGER NOT NULL
);
CREATE INDEX approvals_by_campaign ON approvals (campaign_id, approved_at);

CREATE TABLE deliveries (
    campaign_id TEXT NOT NULL,
    person TEXT NOT NULL,
    round INTEGER NOT NULL CHECK (round >= 1),
    state TEXT NOT NULL
        CHECK (state IN ('attempting', 'sent', 'failed', 'deferred', 'unknown')),
    attempts INTEGER NOT NULL,
    smtp_reply TEXT,
    message_id TEXT,
    run_id INTEGER REFERENCES runs (id),
    first_attempt_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    sent_at TEXT,
    PRIMARY KEY (campaign_id, person, round)
) WITHOUT ROWID;
-- The frequency cap: the messages sent since a day (a range of a growing ledger), by person.
CREATE INDEX deliveries_sent ON deliveries (sent_at, person) WHERE state = 'sent';
CREATE INDEX deliveries_by_run ON deliveries (run_id);
"""
