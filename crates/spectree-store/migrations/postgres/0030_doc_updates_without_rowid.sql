-- SQLite's update log became a WITHOUT ROWID table (migrations/sqlite/0030); PostgreSQL keeps
-- its heap and primary-key index. The number is kept in step with SQLite's migrations.
SELECT 1;
