-- Audit log, part two (decision 0010): appends without a shared lock, the user agent, query
-- indexes, retention cuts and per-organization retention policies.

-- Writers insert their events here, each in its own transaction, taking no lock shared with
-- other writers. One chainer at a time (advisory lock) moves them in `pos` order into
-- audit_log, giving each its seq and hashes and advancing audit_heads (the checkpoint outside
-- the log).
CREATE TABLE audit_pending (
    pos          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    org_id       TEXT NOT NULL,
    at           BIGINT NOT NULL,
    actor_id     TEXT,
    action       TEXT NOT NULL,
    target_kind  TEXT NOT NULL,
    target_id    TEXT,
    ip           TEXT,
    user_agent   TEXT,
    data         TEXT NOT NULL
);

ALTER TABLE audit_log ADD COLUMN user_agent TEXT;
CREATE INDEX audit_log_at ON audit_log (org_id, at);
CREATE INDEX audit_log_actor ON audit_log (org_id, actor_id, seq);
CREATE INDEX audit_log_action ON audit_log (org_id, action, seq);

-- Where retention cut each chain: records up to through_seq were removed, and the first kept
-- record links to through_hash. Append-only like the log.
CREATE TABLE audit_cuts (
    org_id        TEXT NOT NULL,
    through_seq   BIGINT NOT NULL,
    through_hash  TEXT NOT NULL,
    cut_at        BIGINT NOT NULL,
    removed       BIGINT NOT NULL,
    PRIMARY KEY (org_id, through_seq)
);
CREATE FUNCTION audit_cuts_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_cuts is append-only';
END;
$$;
CREATE TRIGGER audit_cuts_no_update BEFORE UPDATE OR DELETE ON audit_cuts
    FOR EACH ROW EXECUTE FUNCTION audit_cuts_append_only();

-- Only records at or before a recorded cut may be deleted; everything else stays refused.
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND OLD.seq <= COALESCE(
        (SELECT MAX(through_seq) FROM audit_cuts WHERE org_id = OLD.org_id), 0) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;

-- Per-organization retention (F4.2.11). version_days NULL keeps automatic versions forever.
CREATE TABLE retention_policies (
    org_id        TEXT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    version_days  BIGINT CHECK (version_days IS NULL OR version_days >= 1),
    audit_days    BIGINT NOT NULL CHECK (audit_days >= 1),
    legal_hold    BIGINT NOT NULL CHECK (legal_hold IN (0, 1)),
    updated_at    BIGINT NOT NULL,
    updated_by    TEXT REFERENCES users (id)
);
