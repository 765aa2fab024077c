-- The activity feed: one row per thing a person did in a project (see
-- docs/decisions/0012-activity-feed.md). `data` is JSON with identifiers, field names,
-- statuses and counts only, never customer text, so it is not sealed. The id orders the
-- feeds (newest first) and is their cursor.

CREATE TABLE activity (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id      TEXT NOT NULL,
    team_id     TEXT NOT NULL,
    project_id  TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    item_id     TEXT,
    actor_id    TEXT,
    kind        TEXT NOT NULL,
    data        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX activity_project ON activity (org_id, project_id, id);
CREATE INDEX activity_team ON activity (org_id, team_id, id);
CREATE INDEX activity_actor ON activity (org_id, actor_id, id);

-- Activity not yet handed to the background consumers (live delivery, notifications,
-- webhooks). Written in the transaction of the change; claimed (FOR UPDATE SKIP LOCKED) and
-- deleted in the consumers' transaction, so each committed activity is processed exactly
-- once, across nodes too.
CREATE TABLE activity_outbox (
    activity_id BIGINT PRIMARY KEY REFERENCES activity (id) ON DELETE CASCADE
);
