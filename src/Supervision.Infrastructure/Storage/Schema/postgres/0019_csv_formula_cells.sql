-- The bulk CSV downloads now put a single quote in front of a cell that a spreadsheet would take for a formula (starting
-- with = + - @, tab or CR; docs/public-portal.md, "Bulk downloads"). A file whose rows hold such a cell has other bytes
-- than when its checksum was stored, so the stored CSV checksums are forgotten: each is computed again, by a streaming
-- pass, on its next request. JSON files are unchanged.
DELETE FROM published_exports WHERE format = 'csv';
