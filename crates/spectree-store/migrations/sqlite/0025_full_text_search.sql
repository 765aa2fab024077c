-- Search index, third shape (docs/decisions/0029): SQLite's FTS5 keeps an inverted index of
-- every item's words, in place of our prefix keys (item_keys: about a hundred rows per item
-- in as many b-tree leaves) and the background indexer's list (item_keys_pending).
--
-- item_search keeps, per item, its words as one text (" word word …", computed by the
-- application: the database never splits text) and gains `doc`, the item's number in the
-- full-text index. Search returns items in `doc` order: the order their words were first
-- indexed, that is creation order; an edit keeps an item's number.

CREATE TABLE item_search_docs (
    doc         INTEGER PRIMARY KEY,
    item_id     TEXT NOT NULL UNIQUE REFERENCES work_items (id) ON DELETE CASCADE,
    project_id  TEXT NOT NULL,
    words       TEXT NOT NULL
);
INSERT INTO item_search_docs (item_id, project_id, words)
SELECT item_id, project_id, words FROM item_search ORDER BY item_id;
DROP TABLE item_search;
DROP TABLE item_keys;
DROP TABLE item_keys_pending;
ALTER TABLE item_search_docs RENAME TO item_search;

-- Contentless (the words are in item_search); rows deleted by number. The tokenizer splits
-- on spaces only: every other character belongs to a word, so the index holds exactly our
-- words. Each document starts with the token "#<project id>" (no word has a "#"), which
-- scopes a query to one project inside the index.
CREATE VIRTUAL TABLE item_fts USING fts5 (
    words,
    content = '',
    contentless_delete = 1,
    tokenize = "unicode61 remove_diacritics 0 categories 'C* L* M* N* P* S* Z*' separators ' '"
);
INSERT INTO item_fts (rowid, words) SELECT doc, '#' || project_id || words FROM item_search;

CREATE TRIGGER item_search_indexed AFTER INSERT ON item_search BEGIN
    INSERT INTO item_fts (rowid, words) VALUES (new.doc, '#' || new.project_id || new.words);
END;
CREATE TRIGGER item_search_reindexed AFTER UPDATE OF words ON item_search BEGIN
    DELETE FROM item_fts WHERE rowid = old.doc;
    INSERT INTO item_fts (rowid, words) VALUES (new.doc, '#' || new.project_id || new.words);
END;
CREATE TRIGGER item_search_unindexed AFTER DELETE ON item_search BEGIN
    DELETE FROM item_fts WHERE rowid = old.doc;
END;
