-- Shared views: a saved, named query over one project's items (filters, sort, grouping and
-- visible columns, as JSON checked by the domain), private to its owner or shared with
-- everyone who may see the project. Deleted with the project.

CREATE TABLE shared_views (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL,
    project_id      TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    owner_id        TEXT NOT NULL,
    name            TEXT NOT NULL,
    visibility      TEXT NOT NULL CHECK (visibility IN ('private', 'team')),
    definition      TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX shared_views_project ON shared_views (org_id, project_id, id);
