-- The update log keyed by (item, seq) alone: as a rowid table every stored update went into
-- two B-trees (the rows by rowid and the primary key's index), two pages for each commit to
-- write to the WAL. WITHOUT ROWID keeps the rows in the primary key's B-tree (their data is a
-- few hundred bytes). PostgreSQL's heap and index are unchanged.
CREATE TABLE doc_updates_new (
    item_id     TEXT NOT NULL REFERENCES work_items (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    org_id      TEXT NOT NULL,
    data        BLOB NOT NULL,
    user_id     TEXT,
    client_id   INTEGER,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (item_id, seq)
) WITHOUT ROWID;
INSERT INTO doc_updates_new (item_id, seq, org_id, data, user_id, client_id, created_at)
    SELECT item_id, seq, org_id, data, user_id, client_id, created_at FROM doc_updates;
DROP TABLE doc_updates;
ALTER TABLE doc_updates_new RENAME TO doc_updates;
