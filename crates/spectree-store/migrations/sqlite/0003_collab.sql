-- Live documents: every work item is a Yjs document. Its durable form is a snapshot (the
-- whole state, as of `seq`) plus the update log after it. Each stored update records the
-- authenticated user and the Yjs client id it came under; doc_clients binds a client id to
-- one user for good, so nobody can write under someone else's client id.

CREATE TABLE doc_snapshots (
    item_id     TEXT PRIMARY KEY REFERENCES work_items (id) ON DELETE CASCADE,
    org_id      TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    data        BLOB NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE doc_updates (
    item_id     TEXT NOT NULL REFERENCES work_items (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    org_id      TEXT NOT NULL,
    data        BLOB NOT NULL,
    user_id     TEXT,
    client_id   INTEGER,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (item_id, seq)
);

CREATE TABLE doc_clients (
    item_id     TEXT NOT NULL REFERENCES work_items (id) ON DELETE CASCADE,
    client_id   INTEGER NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (item_id, client_id)
);

-- An editing session: one user's continuous edits on one item, closed after an idle period.
CREATE TABLE edit_sessions (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL,
    item_id       TEXT NOT NULL REFERENCES work_items (id) ON DELETE CASCADE,
    user_id       TEXT NOT NULL REFERENCES users (id),
    started_at    INTEGER NOT NULL,
    last_edit_at  INTEGER NOT NULL,
    ended_at      INTEGER,
    updates       INTEGER NOT NULL
);
CREATE INDEX edit_sessions_item ON edit_sessions (item_id, started_at);

-- Short-lived, single-use tickets for opening a document's WebSocket.
CREATE TABLE collab_tickets (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    item_id     TEXT NOT NULL REFERENCES work_items (id) ON DELETE CASCADE,
    expires_at  INTEGER NOT NULL
);
