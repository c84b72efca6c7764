-- Performance (docs/benchmarks.md, "Draw through the API" and "Result submissions").
--
-- 1. The verification pack of an entity draw is stored gzip-compressed (docs/draw-service.md, "Entity draw and
--    commit-once"): at k = 50 000 the pack is 27 MB of JSON, which PostgreSQL compressed with pglz inside the commit
--    transaction. The platform now writes the gzip member itself (fast level) and record_json stays '' for such rows;
--    rows committed before this script keep their text in record_json and are read as before.
ALTER TABLE draw_records ADD COLUMN record_gzip bytea NULL;
-- Already compressed: do not let TOAST try again.
ALTER TABLE draw_records ALTER COLUMN record_gzip SET STORAGE EXTERNAL;

-- 2. Every workflow step rewrites its inspection row (state_json, state, revision ...), never an indexed column.
--    Room left in each page lets PostgreSQL put the new version beside the old one (a HOT update) instead of on
--    another page with new entries in all three indexes. Applies to pages written from now on (inspections are
--    created at dispatch).
ALTER TABLE inspections SET (fillfactor = 70);
