-- Search index, second shape (docs/decisions/0006): per item, its words as one text
-- (" word word …") and the prefixes of 3 and 5 characters of its words as keys. A query
-- is driven by one key's items in id order (the primary key's order, so a page stops early)
-- and checked against the words text. Replaces item_words (one row per word, which had to
-- be sorted for every query and cost two index entries per word).

CREATE TABLE item_search (
    item_id     TEXT PRIMARY KEY REFERENCES work_items (id) ON DELETE CASCADE,
    project_id  TEXT NOT NULL,
    words       TEXT COLLATE "C" NOT NULL
);

-- No foreign key to work_items: a cascade would need an index on item_id; purging deletes
-- an item's keys itself (it knows them from its words).
CREATE TABLE item_keys (
    project_id  TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    prefix      TEXT COLLATE "C" NOT NULL,
    item_id     TEXT NOT NULL,
    PRIMARY KEY (project_id, prefix, item_id)
);

INSERT INTO item_search (item_id, project_id, words)
SELECT item_id, project_id, ' ' || string_agg(word, ' ') FROM item_words GROUP BY item_id, project_id;
INSERT INTO item_search (item_id, project_id, words)
SELECT id, project_id, '' FROM work_items w
WHERE NOT EXISTS (SELECT 1 FROM item_search s WHERE s.item_id = w.id);

INSERT INTO item_keys (project_id, prefix, item_id)
SELECT project_id, substr(word, 1, 3), item_id FROM item_words WHERE length(word) >= 3
UNION SELECT project_id, substr(word, 1, 5), item_id FROM item_words WHERE length(word) >= 5;

DROP TABLE item_words;

-- The tree without descriptions reads only this index (it covers the query), not the rows
-- with their descriptions (a small part of the pages on the benchmark project).
CREATE INDEX work_items_tree ON work_items
    (project_id, deleted_at, id, parent_id, position, item_type, status, priority, assignee_id, title);

-- Statistics for the planner (the search joins rely on them; autovacuum may be off).
ANALYZE item_keys;
ANALYZE item_search;
ANALYZE work_items;
