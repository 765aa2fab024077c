-- The planner's statistics of the search index keep ten times more of the most common words
-- (10,000): with the default, a prefix matching 5 % of a 100,000-item project was estimated
-- at 172 rows, so PostgreSQL built a bitmap of every match and sorted it (850 ms cold)
-- instead of walking the project in index order and stopping after a page (2.3 ms)
-- (docs/benchmarks.md, "Session 8").
ALTER TABLE item_search ALTER COLUMN lexemes SET STATISTICS 1000;
ANALYZE item_search;
