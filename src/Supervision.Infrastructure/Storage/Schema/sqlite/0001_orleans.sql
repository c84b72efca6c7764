-- 0001_orleans (SQLite): grain persistence for the embedded, single-process run mode.
-- Clustering there is localhost clustering, so no membership tables. No reminder tables
-- either: Orleans 10.4.2's ADO.NET reminder provider rejects the Microsoft.Data.Sqlite
-- invariant at start-up (its DbConstantsStore has no entry for it), although the persistence
-- provider accepts it.
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
