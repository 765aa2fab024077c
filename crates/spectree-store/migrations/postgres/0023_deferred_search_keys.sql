-- Search keys are written off the request path (docs/decisions/0021): a new item's words go
-- into item_search at once and the item is listed here until the background indexer has
-- written its keys. Search checks the listed items against their words text, so a new item
-- is found before its keys exist.
CREATE TABLE item_keys_pending (
    project_id  TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    item_id     TEXT NOT NULL,
    PRIMARY KEY (project_id, item_id)
);
