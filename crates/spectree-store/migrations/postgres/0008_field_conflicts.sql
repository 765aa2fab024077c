-- Concurrent changes to one scalar field of a live document (status, priority, assignee,
-- type): the document keeps one value (Yjs last-writer-wins); both are recorded here with
-- their users and Yjs writes. Two nodes that see the same race record it once (the unique
-- key names both writes).

CREATE TABLE field_conflicts (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL,
    item_id         TEXT NOT NULL REFERENCES work_items (id) ON DELETE CASCADE,
    field           TEXT NOT NULL,
    winner_value    TEXT,
    winner_user_id  TEXT,
    winner_client   BIGINT NOT NULL,
    winner_clock    BIGINT NOT NULL,
    loser_value     TEXT,
    loser_user_id   TEXT,
    loser_client    BIGINT NOT NULL,
    loser_clock     BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    UNIQUE (item_id, winner_client, winner_clock, loser_client, loser_clock)
);
CREATE INDEX field_conflicts_item ON field_conflicts (org_id, item_id, id);
