-- Audit log, part two (decision 0010): appends without a shared lock, the user agent, query
-- indexes, retention cuts and per-organization retention policies.

-- Writers insert their events here, each in its own transaction, taking no lock shared with
-- other writers. One chainer at a time moves them in `pos` order into audit_log, giving each
-- its seq and hashes and advancing audit_heads (the checkpoint outside the log).
CREATE TABLE audit_pending (
    pos          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL UNIQUE,
    org_id       TEXT NOT NULL,
    at           INTEGER NOT NULL,
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
    through_seq   INTEGER NOT NULL,
    through_hash  TEXT NOT NULL,
    cut_at        INTEGER NOT NULL,
    removed       INTEGER NOT NULL,
    PRIMARY KEY (org_id, through_seq)
);
CREATE TRIGGER audit_cuts_no_update BEFORE UPDATE ON audit_cuts
BEGIN
    SELECT RAISE(ABORT, 'audit_cuts is append-only');
END;
CREATE TRIGGER audit_cuts_no_delete BEFORE DELETE ON audit_cuts
BEGIN
    SELECT RAISE(ABORT, 'audit_cuts is append-only');
END;

-- Only records at or before a recorded cut may be deleted; everything else stays refused.
DROP TRIGGER audit_log_no_delete;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN OLD.seq > COALESCE((SELECT MAX(through_seq) FROM audit_cuts WHERE org_id = OLD.org_id), 0)
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- Per-organization retention (F4.2.11). version_days NULL keeps automatic versions forever.
CREATE TABLE retention_policies (
    org_id        TEXT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    version_days  INTEGER CHECK (version_days IS NULL OR version_days >= 1),
    audit_days    INTEGER NOT NULL CHECK (audit_days >= 1),
    legal_hold    INTEGER NOT NULL CHECK (legal_hold IN (0, 1)),
    updated_at    INTEGER NOT NULL,
    updated_by    TEXT REFERENCES users (id)
);
