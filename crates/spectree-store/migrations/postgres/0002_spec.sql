-- The spec tree: projects, work items and the search words of each item.
-- Content (project descriptions, titles, descriptions, criteria) is stored sealed (bytes from
-- the sealing API). Positions and words compare byte-wise (COLLATE "C") so PostgreSQL orders
-- and range-scans them exactly as SQLite does.

CREATE TABLE projects (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    team_id      TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    slug         TEXT NOT NULL,
    description  BYTEA NOT NULL,
    created_by   TEXT NOT NULL REFERENCES users (id),
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    UNIQUE (team_id, slug)
);
CREATE INDEX projects_team ON projects (org_id, team_id, id);

CREATE TABLE work_items (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL,
    project_id     TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    parent_id      TEXT REFERENCES work_items (id) ON DELETE CASCADE,
    position       TEXT COLLATE "C" NOT NULL,
    item_type      TEXT NOT NULL CHECK (item_type IN ('epic', 'feature', 'story', 'task')),
    status         TEXT NOT NULL CHECK (status IN ('draft', 'ready', 'in_progress', 'in_review', 'done')),
    priority       TEXT NOT NULL CHECK (priority IN ('low', 'medium', 'high', 'urgent')),
    assignee_id    TEXT REFERENCES users (id),
    title          BYTEA NOT NULL,
    description    BYTEA NOT NULL,
    criteria       BYTEA NOT NULL,
    created_by     TEXT NOT NULL REFERENCES users (id),
    created_at     BIGINT NOT NULL,
    updated_by     TEXT NOT NULL REFERENCES users (id),
    updated_at     BIGINT NOT NULL,
    deleted_at     BIGINT,
    deleted_by     TEXT REFERENCES users (id),
    trash_root_id  TEXT
);
CREATE INDEX work_items_project ON work_items (project_id, id);
CREATE INDEX work_items_parent ON work_items (parent_id);
CREATE INDEX work_items_trash ON work_items (project_id, trash_root_id) WHERE trash_root_id IS NOT NULL;

CREATE TABLE item_words (
    project_id  TEXT NOT NULL,
    word        TEXT COLLATE "C" NOT NULL,
    item_id     TEXT NOT NULL REFERENCES work_items (id) ON DELETE CASCADE,
    PRIMARY KEY (project_id, word, item_id)
);
CREATE INDEX item_words_item ON item_words (item_id, word);
