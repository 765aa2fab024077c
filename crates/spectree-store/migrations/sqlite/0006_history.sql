-- Version history. A version of a work item is stored as a full snapshot every few versions
-- and as a text patch from the version stored before it otherwise, so storage grows with the
-- size of each change, not with document size x versions. Snapshots, patches and messages are
-- sealed (bytes from the sealing API). Field names and authors are not content.

CREATE TABLE item_versions (
    item_id        TEXT NOT NULL REFERENCES work_items (id) ON DELETE CASCADE,
    number         INTEGER NOT NULL,
    org_id         TEXT NOT NULL,
    project_id     TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('auto', 'named', 'restore')),
    cause          TEXT NOT NULL,
    started_at     INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    authors        TEXT NOT NULL,
    message        BLOB,
    fields         TEXT NOT NULL,
    restored_from  INTEGER,
    is_full        INTEGER NOT NULL CHECK (is_full IN (0, 1)),
    state          BLOB NOT NULL,
    PRIMARY KEY (item_id, number)
);
-- Retention scans by kind first, so the planner never prefers this index over the primary key
-- for an item's versions (on PostgreSQL before statistics exist it otherwise would).
CREATE INDEX item_versions_retention ON item_versions (kind, org_id, created_at);
-- The full snapshots of an item: where rebuilding a version starts.
CREATE INDEX item_versions_full ON item_versions (item_id, number) WHERE is_full = 1;

-- The automatic version being collected for an item: opened by the first change after the
-- last version, closed when the item goes idle or the version reaches its maximum length.
CREATE TABLE item_version_drafts (
    item_id         TEXT PRIMARY KEY REFERENCES work_items (id) ON DELETE CASCADE,
    org_id          TEXT NOT NULL,
    started_at      INTEGER NOT NULL,
    last_change_at  INTEGER NOT NULL,
    authors         TEXT NOT NULL
);
CREATE INDEX item_version_drafts_due ON item_version_drafts (last_change_at);
CREATE INDEX item_version_drafts_started ON item_version_drafts (started_at);

-- A whole project at one moment: every live item with its full content.
CREATE TABLE project_snapshots (
    project_id  TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    number      INTEGER NOT NULL,
    org_id      TEXT NOT NULL,
    message     BLOB NOT NULL,
    cause       TEXT NOT NULL,
    created_by  TEXT NOT NULL REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    item_count  INTEGER NOT NULL,
    data        BLOB NOT NULL,
    PRIMARY KEY (project_id, number)
);
