-- Activity a consumer failed on is retried alone, after a backoff, instead of holding back
-- every later activity; after `activity.max_attempts` it is set aside as a dead letter
-- (see docs/decisions/0012-activity-feed.md, "Failures").

ALTER TABLE activity_outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
-- Not claimed before this time (milliseconds since the epoch; 0: at once).
ALTER TABLE activity_outbox ADD COLUMN retry_at BIGINT NOT NULL DEFAULT 0;

CREATE TABLE activity_dead_letters (
    activity_id BIGINT PRIMARY KEY REFERENCES activity (id) ON DELETE CASCADE,
    consumer    TEXT NOT NULL,
    error       TEXT NOT NULL,
    attempts    INTEGER NOT NULL,
    failed_at   BIGINT NOT NULL
);
