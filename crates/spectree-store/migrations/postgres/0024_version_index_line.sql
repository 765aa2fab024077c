-- Each version's line of the version index, written with the version (docs/decisions/0024):
-- the index concatenates stored lines instead of rendering 10,000 objects per request.
-- Versions stored before this column exist keep NULL and are rendered when read.
ALTER TABLE item_versions ADD COLUMN index_line TEXT;
