-- Every recorded activity is queued for the dispatcher by the database, in the statement
-- that records it: one round trip per activity instead of two (docs/benchmarks.md,
-- "Session 8").
CREATE FUNCTION activity_queue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO activity_outbox (activity_id) VALUES (NEW.id);
    RETURN NULL;
END;
$$;
CREATE TRIGGER activity_queued AFTER INSERT ON activity
    FOR EACH ROW EXECUTE FUNCTION activity_queue();
