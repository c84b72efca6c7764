-- 0004_sqlite_storage (SQLite): tables for the project's own Orleans providers
-- (Supervision.Grains.Hosting.Sqlite.SqliteGrainStorage and SqliteReminderTable).
--
-- Orleans 10.4.2's ADO.NET grain storage and reminder providers refuse the Microsoft.Data.Sqlite
-- invariant at silo start, so nothing has ever been written to the 0001 orleans_storage table on
-- a SQLite database. Its shape (Orleans' hash columns and the OrleansQuery texts) only made sense
-- for that provider, so this script replaces it with a table keyed the way our provider reads it.
-- The guard below makes the script fail (and the migrator roll it back) instead of dropping rows,
-- should a database ever hold some.
--
-- Both tables use the integer column "version" as the ETag (decimal text in Orleans):
--  * grain state: first write inserts version 1; each write or clear adds 1, and only when the
--    caller's ETag equals the stored version. Clear keeps a tombstone (payload NULL) so the
--    sequence never restarts and an old ETag can never match again.
--  * reminders: blind upsert (Orleans' contract), version 0 on insert, +1 on each update;
--    delete only with the current version.
--
-- The migrator runs this file inside one transaction; no BEGIN/COMMIT here.

CREATE TEMP TABLE orleans_storage_0001_guard
(
    rows_in_orleans_storage INTEGER NOT NULL CHECK (rows_in_orleans_storage = 0)
);
INSERT INTO orleans_storage_0001_guard SELECT count(*) FROM orleans_storage;
DROP TABLE orleans_storage_0001_guard;

DROP TABLE orleans_storage;
DELETE FROM OrleansQuery WHERE QueryKey IN ('WriteToStorageKey', 'ReadFromStorageKey', 'ClearStorageKey');

-- One row per (service, state name, grain). grain_type is the state name Orleans passes to the
-- provider ([PersistentState("ledger", ...)] -> 'ledger'); grain_id is GrainId.ToString().
-- payload holds the bytes of Orleans' configured IGrainStorageSerializer (JSON by default).
CREATE TABLE orleans_storage
(
    service_id  TEXT    NOT NULL,
    grain_type  TEXT    NOT NULL,
    grain_id    TEXT    NOT NULL,
    payload     BLOB    NULL,
    version     INTEGER NOT NULL CHECK (version >= 1),
    modified_at TEXT    NOT NULL,
    PRIMARY KEY (service_id, grain_type, grain_id)
) WITHOUT ROWID;

-- Same columns and meaning as the PostgreSQL orleans_reminders table, except:
--  * grain_hash is GrainId.GetUniformHashCode() as an unsigned value (0 .. 4294967295), so ring
--    ranges compare as plain integers;
--  * start_time is UTC ISO-8601 text with seven fractional digits (exact to the tick).
-- period is in milliseconds, as on PostgreSQL.
CREATE TABLE orleans_reminders
(
    service_id    TEXT    NOT NULL,
    grain_id      TEXT    NOT NULL,
    reminder_name TEXT    NOT NULL,
    start_time    TEXT    NOT NULL,
    period        INTEGER NOT NULL CHECK (period >= 0),
    grain_hash    INTEGER NOT NULL CHECK (grain_hash BETWEEN 0 AND 4294967295),
    version       INTEGER NOT NULL CHECK (version >= 0),
    PRIMARY KEY (service_id, grain_id, reminder_name)
) WITHOUT ROWID;

CREATE INDEX ix_orleans_reminders_ring ON orleans_reminders (service_id, grain_hash);
