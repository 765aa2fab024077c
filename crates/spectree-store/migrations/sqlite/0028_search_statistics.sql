-- PostgreSQL's migration 0028 raises the statistics target of its search index; SQLite's
-- FTS5 index needs no statistics. Kept so both databases number their migrations alike.
SELECT 1;
