-- The version of the item that holds each recorded field conflict: set when the item's next
-- version is stored after the conflict was recorded, so a version's change list can show
-- both values and both users. Conflicts recorded before this migration belong to the first
-- version that closed at or after them.

ALTER TABLE field_conflicts ADD COLUMN version_number INTEGER;
UPDATE field_conflicts SET version_number = (
    SELECT MIN(v.number) FROM item_versions v
    WHERE v.item_id = field_conflicts.item_id AND v.org_id = field_conflicts.org_id
      AND v.created_at >= field_conflicts.created_at
);
CREATE INDEX field_conflicts_version ON field_conflicts (org_id, item_id, version_number);
