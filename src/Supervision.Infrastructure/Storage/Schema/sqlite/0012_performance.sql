-- Performance (docs/benchmarks.md). The verification pack of an entity draw is stored gzip-compressed
-- (docs/draw-service.md); record_json stays '' for such rows. Rows committed before this script keep their text in
-- record_json and are read as before. (The PostgreSQL script also sets a fillfactor on inspections; SQLite has none.)
ALTER TABLE draw_records ADD COLUMN record_gzip BLOB NULL;
