-- Every recorded activity is queued for the dispatcher by the database, in the statement
-- that records it: one round trip per activity instead of two (docs/benchmarks.md,
-- "Session 8").
CREATE TRIGGER activity_queued AFTER INSERT ON activity BEGIN
    INSERT INTO activity_outbox (activity_id) VALUES (new.id);
END;
