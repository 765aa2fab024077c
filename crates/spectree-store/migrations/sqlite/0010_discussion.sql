-- Comment threads on work items, their comments, reactions and @mentions. A thread is
-- general or anchored to a range of the description or of a criterion's text by two Yjs
-- relative positions (encoded StickyIndex bytes), resolved against the live document when
-- read. Comment bodies and quoted text are sealed (the sealing API); a deleted comment keeps
-- its row (a tombstone, body emptied) so the thread reads in order.

CREATE TABLE comment_threads (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL,
    item_id         TEXT NOT NULL REFERENCES work_items (id) ON DELETE CASCADE,
    anchor_field    TEXT,
    anchor_start    BLOB,
    anchor_end      BLOB,
    anchor_quote    BLOB,
    created_by      TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    resolved_at     INTEGER,
    resolved_by     TEXT
);
CREATE INDEX comment_threads_item ON comment_threads (org_id, item_id, id);

CREATE TABLE comments (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL,
    thread_id       TEXT NOT NULL REFERENCES comment_threads (id) ON DELETE CASCADE,
    author_id       TEXT NOT NULL,
    body            BLOB NOT NULL,
    created_at      INTEGER NOT NULL,
    edited_at       INTEGER,
    deleted_at      INTEGER
);
CREATE INDEX comments_thread ON comments (org_id, thread_id, id);

CREATE TABLE comment_reactions (
    comment_id      TEXT NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL,
    emoji           TEXT NOT NULL,
    org_id          TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (comment_id, user_id, emoji)
);

-- One row per person a comment mentions; has_access says whether they could see the item
-- then (notifications, next, go only to those who can).
CREATE TABLE comment_mentions (
    comment_id      TEXT NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL,
    org_id          TEXT NOT NULL,
    has_access      INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (comment_id, user_id)
);
CREATE INDEX comment_mentions_user ON comment_mentions (org_id, user_id);
