-- Live documents: every work item is a Yjs document. Its durable form is a snapshot (the
-- whole state, as of `seq`) plus the update log after it. Each stored update records the
-- authenticated user and the Yjs client id it came under; doc_clients binds a client id to
-- one user for good, so nobody can write under someone else's client id.

CREATE TABLE doc_snapshots (
    item_id     TEXT PRIMARY KEY REFERENCES work_items (id) ON DELETE CASCADE,
    org_id      TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    data        BYTEA NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE doc_updates (
    item_id     TEXT NOT NULL REFERENCES work_items (id) ON DELETE CASCADE,
    seq         BIGINT NOT NULL,
    org_id      TEXT NOT NULL,
    data        BYTEA NOT NULL,
    user_id     TEXT,
    client_id   BIGINT,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (item_id, seq)
);

CREATE TABLE doc_clients (
    item_id     TEXT NOT NULL REFERENCES work_items (id) ON DELETE CASCADE,
    client_id   BIGINT NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id),
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (item_id, client_id)
);

-- An editing session: one user's continuous edits on one item, closed after an idle period.
CREATE TABLE edit_sessions (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL,
    item_id       TEXT NOT NULL REFERENCES work_items (id) ON DELETE CASCADE,
    user_id       TEXT NOT NULL REFERENCES users (id),
    started_at    BIGINT NOT NULL,
    last_edit_at  BIGINT NOT NULL,
    ended_at      BIGINT,
    updates       BIGINT NOT NULL
);
CREATE INDEX edit_sessions_item ON edit_sessions (item_id, started_at);

-- Short-lived, single-use tickets for opening a document's WebSocket.
CREATE TABLE collab_tickets (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    item_id     TEXT NOT NULL REFERENCES work_items (id) ON DELETE CASCADE,
    expires_at  BIGINT NOT NULL
);
