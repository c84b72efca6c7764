-- 0001_orleans (SQLite): grain persistence and reminders for the embedded, single-process
-- run mode (clustering there is localhost clustering, so no membership tables).
--
-- Same contract as the PostgreSQL script: Orleans 10.4.2 (invariant "Microsoft.Data.Sqlite")
-- loads its query texts from OrleansQuery, binds parameters by name and reads result columns
-- by name. Table and column names are ours; keys, parameters and result names are fixed.
--
-- SQLite specifics:
--  * there is one writer at a time, so each statement below is atomic on its own; the
--    multi-statement texts rely on changes(), which reports the rows touched by the most
--    recent INSERT/UPDATE/DELETE (a SELECT in between leaves it alone);
--  * Microsoft.Data.Sqlite stores DateTime as ISO-8601 text; Orleans passes UTC values;
--  * query texts avoid string literals so they can sit inside the '...' literals below.
--
-- The migrator runs this file inside one transaction; it must not contain BEGIN/COMMIT
-- (trigger bodies would be the exception; there are none here).

CREATE TABLE OrleansQuery
(
    QueryKey  TEXT NOT NULL PRIMARY KEY,
    QueryText TEXT NOT NULL
);

-------------------------------------------------------------------------------------------
-- Grain persistence. See the PostgreSQL script for the shape; the version column is the
-- ETag used for optimistic concurrency and the payload is opaque bytes.
-------------------------------------------------------------------------------------------

CREATE TABLE orleans_storage
(
    service_id          TEXT    NOT NULL,
    grain_type_hash     INTEGER NOT NULL,
    grain_type          TEXT    NOT NULL,
    grain_id_hash       INTEGER NOT NULL,
    grain_id_n0         INTEGER NOT NULL,
    grain_id_n1         INTEGER NOT NULL,
    grain_id_extension  TEXT    NULL,
    payload             BLOB    NULL,
    modified_at         TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    version             INTEGER NOT NULL
);

-- One row per grain; IFNULL makes "no extension" compare equal to itself.
CREATE UNIQUE INDEX ux_orleans_storage_grain ON orleans_storage
    (grain_id_hash, grain_type_hash, service_id, grain_id_n0, grain_id_n1, grain_type,
     IFNULL(grain_id_extension, char(0)));

-- Write. Exactly one row comes back:
--   created            -> 1 (first SELECT; only when the caller had no version);
--   updated            -> caller's version + 1 (second SELECT);
--   stale update       -> the caller's own version, which Orleans reads as "nothing written"
--                         and turns into InconsistentStateException;
--   create lost a race -> no row (same outcome).
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('WriteToStorageKey', '
    INSERT INTO orleans_storage
        (service_id, grain_type_hash, grain_type, grain_id_hash, grain_id_n0, grain_id_n1,
         grain_id_extension, payload, version)
    SELECT @ServiceId, @GrainTypeHash, @GrainTypeString, @GrainIdHash, @GrainIdN0, @GrainIdN1,
           @GrainIdExtensionString, @PayloadBinary, 1
    WHERE @GrainStateVersion IS NULL
      AND NOT EXISTS (
          SELECT 1 FROM orleans_storage
          WHERE grain_id_hash = @GrainIdHash AND grain_type_hash = @GrainTypeHash
            AND service_id = @ServiceId
            AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
            AND grain_type = @GrainTypeString
            AND grain_id_extension IS @GrainIdExtensionString);

    SELECT 1 AS NewGrainStateVersion
    WHERE @GrainStateVersion IS NULL AND changes() > 0;

    UPDATE orleans_storage
    SET payload = @PayloadBinary, version = version + 1, modified_at = CURRENT_TIMESTAMP
    WHERE @GrainStateVersion IS NOT NULL
      AND grain_id_hash = @GrainIdHash AND grain_type_hash = @GrainTypeHash
      AND service_id = @ServiceId
      AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
      AND grain_type = @GrainTypeString
      AND grain_id_extension IS @GrainIdExtensionString
      AND version = @GrainStateVersion;

    SELECT CASE WHEN changes() > 0 THEN @GrainStateVersion + 1 ELSE @GrainStateVersion END
           AS NewGrainStateVersion
    WHERE @GrainStateVersion IS NOT NULL;
');

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadFromStorageKey', '
    SELECT payload AS PayloadBinary,
           version AS Version
    FROM orleans_storage
    WHERE grain_id_hash = @GrainIdHash AND grain_type_hash = @GrainTypeHash
      AND service_id = @ServiceId
      AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
      AND grain_type = @GrainTypeString
      AND grain_id_extension IS @GrainIdExtensionString;
');

-- Clear keeps a tombstone row (payload NULL, version bumped) so the version sequence
-- continues across clear-then-write. DeleteStorageKey is deliberately not provided.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ClearStorageKey', '
    UPDATE orleans_storage
    SET payload = NULL, version = version + 1, modified_at = CURRENT_TIMESTAMP
    WHERE grain_id_hash = @GrainIdHash AND grain_type_hash = @GrainTypeHash
      AND service_id = @ServiceId
      AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
      AND grain_type = @GrainTypeString
      AND grain_id_extension IS @GrainIdExtensionString
      AND version = @GrainStateVersion;

    SELECT CASE WHEN changes() > 0 THEN @GrainStateVersion + 1 ELSE @GrainStateVersion END
           AS NewGrainStateVersion
    WHERE @GrainStateVersion IS NOT NULL;
');

-------------------------------------------------------------------------------------------
-- Reminders (the 10.4.2 reminder provider accepts the Microsoft.Data.Sqlite invariant).
-------------------------------------------------------------------------------------------

CREATE TABLE orleans_reminders
(
    service_id    TEXT    NOT NULL,
    grain_id      TEXT    NOT NULL,
    reminder_name TEXT    NOT NULL,
    start_time    TEXT    NOT NULL,
    period        INTEGER NOT NULL,
    grain_hash    INTEGER NOT NULL,
    version       INTEGER NOT NULL,
    PRIMARY KEY (service_id, grain_id, reminder_name)
);

CREATE INDEX ix_orleans_reminders_ring ON orleans_reminders (service_id, grain_hash);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('UpsertReminderRowKey', '
    INSERT INTO orleans_reminders
        (service_id, grain_id, reminder_name, start_time, period, grain_hash, version)
    VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
    ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
    SET start_time = excluded.start_time,
        period     = excluded.period,
        grain_hash = excluded.grain_hash,
        version    = orleans_reminders.version + 1
    RETURNING version AS Version;
');

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadReminderRowsKey', '
    SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime,
           period AS Period, version AS Version
    FROM orleans_reminders
    WHERE service_id = @ServiceId AND grain_id = @GrainId;
');

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadReminderRowKey', '
    SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime,
           period AS Period, version AS Version
    FROM orleans_reminders
    WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName;
');

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadRangeRows1Key', '
    SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime,
           period AS Period, version AS Version
    FROM orleans_reminders
    WHERE service_id = @ServiceId AND grain_hash > @BeginHash AND grain_hash <= @EndHash;
');

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadRangeRows2Key', '
    SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime,
           period AS Period, version AS Version
    FROM orleans_reminders
    WHERE service_id = @ServiceId AND (grain_hash > @BeginHash OR grain_hash <= @EndHash);
');

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteReminderRowKey', '
    DELETE FROM orleans_reminders
    WHERE service_id = @ServiceId AND grain_id = @GrainId
      AND reminder_name = @ReminderName AND version = @Version;

    SELECT changes() AS RowCount;
');

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteReminderRowsKey', '
    DELETE FROM orleans_reminders WHERE service_id = @ServiceId;
');
