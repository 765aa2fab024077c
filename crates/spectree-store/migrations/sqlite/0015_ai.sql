-- Live AI generation (decision 0015). A Yjs client id is bound to a user as before; `kind`
-- says whether the user wrote under it themselves (`user`, live clients and REST edits) or
-- an AI wrote under it for the user who started it (`ai`).
ALTER TABLE doc_clients ADD COLUMN kind TEXT NOT NULL DEFAULT 'user' CHECK (kind IN ('user', 'ai'));

-- One generation job: the AI writing into an item's live document for the person who
-- started it. At most one job per item runs at a time (the partial unique index).
CREATE TABLE ai_generations (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL,
    item_id      TEXT NOT NULL REFERENCES work_items (id) ON DELETE CASCADE,
    started_by   TEXT NOT NULL REFERENCES users (id),
    kind         TEXT NOT NULL CHECK (kind IN ('description', 'acceptance_criteria', 'children')),
    provider     TEXT NOT NULL,
    prompt       BLOB NOT NULL,
    client_id    INTEGER NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('running', 'finished', 'cancelled', 'failed')),
    output       BLOB,
    tokens       INTEGER NOT NULL DEFAULT 0,
    error        TEXT,
    created_at   INTEGER NOT NULL,
    finished_at  INTEGER
);
CREATE UNIQUE INDEX ai_generations_one_running ON ai_generations (item_id) WHERE state = 'running';
CREATE INDEX ai_generations_org ON ai_generations (org_id, created_at);

-- Per-organization AI switch (on unless an admin turned it off).
CREATE TABLE org_ai_settings (
    org_id      TEXT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    enabled     INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    updated_at  INTEGER NOT NULL,
    updated_by  TEXT REFERENCES users (id)
);
