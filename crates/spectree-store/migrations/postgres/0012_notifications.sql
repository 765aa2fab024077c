-- Watching, notification preferences, the per-user inbox and the digest queue.
--
-- A watch is on one item, or (subtree = 1) on the item and everything under it. Automatic
-- watches (creator, assignee, commenter, mentioned) never replace a person's own choice.
-- Preferences are per user (not per organization) and store only what differs from the
-- defaults of the domain. Notification summaries and digest lines name the item, so they are
-- sealed like other customer content.

CREATE TABLE watches (
    item_id         TEXT NOT NULL REFERENCES work_items (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL,
    org_id          TEXT NOT NULL,
    subtree         BIGINT NOT NULL,
    reason          TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (item_id, user_id)
);
-- user_id leads: with org_id first, SQLite answered "watchers of this item" from this
-- index (every watch of the organization) instead of the primary key.
CREATE INDEX watches_user ON watches (user_id, item_id);

CREATE TABLE notification_preferences (
    user_id         TEXT NOT NULL,
    kind            TEXT NOT NULL,
    in_app          BIGINT NOT NULL,
    email           BIGINT NOT NULL,
    digest          BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    PRIMARY KEY (user_id, kind)
);

CREATE TABLE notifications (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    kind            TEXT NOT NULL,
    project_id      TEXT NOT NULL,
    item_id         TEXT NOT NULL REFERENCES work_items (id) ON DELETE CASCADE,
    actor_id        TEXT,
    summary         BYTEA NOT NULL,
    state           TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    read_at         BIGINT
);
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_user_state ON notifications (user_id, state, id);
CREATE INDEX notifications_item ON notifications (item_id, user_id, kind, state);

CREATE TABLE notification_digest (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    kind            TEXT NOT NULL,
    project_id      TEXT NOT NULL,
    item_id         TEXT NOT NULL,
    summary         BYTEA NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX notification_digest_user ON notification_digest (user_id, created_at);
CREATE INDEX notification_digest_due ON notification_digest (created_at);
