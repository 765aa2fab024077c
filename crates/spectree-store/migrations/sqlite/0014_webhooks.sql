-- Outgoing webhooks per team: the target URL, the event kinds it receives, and its signing
-- secret (sealed; shown once when made or rotated). Deliveries are an outbox the delivery
-- worker drains: one row per event and hook, with the outcome of its latest attempt, kept as
-- the hook's delivery log.

CREATE TABLE webhooks (
    id                   TEXT PRIMARY KEY,
    org_id               TEXT NOT NULL,
    team_id              TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    url                  TEXT NOT NULL,
    events               TEXT NOT NULL,
    active               INTEGER NOT NULL,
    secret               BLOB NOT NULL,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    disabled_reason      TEXT,
    created_by           TEXT NOT NULL,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
);
CREATE INDEX webhooks_team ON webhooks (org_id, team_id, id);

-- status: pending (waiting for its next attempt at next_attempt_at), succeeded, failed
-- (retries used up, or the hook was disabled or deleted). The payload is sealed.
CREATE TABLE webhook_deliveries (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL,
    webhook_id       TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event            TEXT NOT NULL,
    payload          BLOB NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER,
    status_code      INTEGER,
    duration_ms      INTEGER,
    error            TEXT,
    response         TEXT,
    replay_of        TEXT,
    created_at       INTEGER NOT NULL,
    completed_at     INTEGER
);
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (org_id, webhook_id, id);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
