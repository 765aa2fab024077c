-- Every live update touches its editor's open editing session on the item (and closes an
-- idle one, or opens one): three lookups by (item, user, open). The index on
-- (item_id, started_at) made each of them a walk over every session the item ever had, so
-- an item with a long history paid for it on every keystroke. Open sessions are few.
CREATE INDEX edit_sessions_open ON edit_sessions (item_id, user_id) WHERE ended_at IS NULL;
