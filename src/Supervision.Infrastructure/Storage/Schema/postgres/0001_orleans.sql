-- 0001_orleans (PostgreSQL): the tables Orleans' ADO.NET providers need for clustering,
-- grain persistence and reminders, plus the query texts they run.
--
-- How the contract works: each provider (Orleans 10.4.2, invariant "Npgsql") reads
--   SELECT QueryKey, QueryText FROM OrleansQuery
-- at start-up and from then on runs only those texts, binding its parameters by name
-- (@DeploymentId, @GrainIdHash, ...) and reading result columns by name. So the table and
-- column names below are ours (snake_case); only the OrleansQuery table, the query keys,
-- the parameter names and the result column names (aliased with quotes) are fixed.
--
-- Orleans binds parameters with explicit DbTypes (Int32, Int64, String, Binary, DateTime),
-- so they arrive typed; DateTime values are UTC and go into timestamptz columns.
--
-- Rules for "boolean" queries: the provider reads exactly one row with one column and
-- treats a value > 0 as success. A failed optimistic-concurrency check must return 0 (or
-- raise an error, which Orleans treats as a failure and retries), never a partial write.
--
-- The migrator runs this file inside one transaction; it must not contain BEGIN/COMMIT.

CREATE TABLE OrleansQuery
(
    QueryKey  varchar(64)   NOT NULL PRIMARY KEY,
    QueryText varchar(8000) NOT NULL
);

-------------------------------------------------------------------------------------------
-- Clustering (membership). One version row per cluster (DeploymentId = ClusterId); every
-- membership change bumps it, which is how Orleans detects concurrent writers.
-------------------------------------------------------------------------------------------

CREATE TABLE orleans_membership_version
(
    deployment_id varchar(150) NOT NULL PRIMARY KEY,
    changed_at    timestamptz  NOT NULL DEFAULT now(),
    version       integer      NOT NULL DEFAULT 0
);

CREATE TABLE orleans_membership
(
    deployment_id   varchar(150)  NOT NULL REFERENCES orleans_membership_version (deployment_id),
    address         varchar(45)   NOT NULL,
    port            integer       NOT NULL,
    generation      integer       NOT NULL,
    silo_name       varchar(150)  NOT NULL,
    host_name       varchar(150)  NOT NULL,
    status          integer       NOT NULL,
    proxy_port      integer       NULL,
    -- "silo,time|silo,time" as Orleans formats it; opaque to us.
    suspect_times   varchar(8000) NULL,
    start_time      timestamptz   NOT NULL,
    i_am_alive_time timestamptz   NOT NULL,
    PRIMARY KEY (deployment_id, address, port, generation)
);

-- Creates the version row once; returns 1 only for the caller that created it.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('InsertMembershipVersionKey', $q$
    WITH created AS (
        INSERT INTO orleans_membership_version (deployment_id)
        VALUES (@DeploymentId)
        ON CONFLICT (deployment_id) DO NOTHING
        RETURNING 1
    )
    SELECT count(*)::integer AS "RowCount" FROM created;
$q$);

-- Adds a silo row, but only if the caller saw the current table version (compare-and-swap on
-- the version row) and the silo row does not exist yet. Both writes happen in one statement,
-- so either both land or neither does. A concurrent caller blocks on the version row lock and
-- then fails the version check, returning 0.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('InsertMembershipKey', $q$
    WITH bumped AS (
        UPDATE orleans_membership_version
        SET version = version + 1, changed_at = now()
        WHERE deployment_id = @DeploymentId
          AND version = @Version
          AND NOT EXISTS (
              SELECT 1 FROM orleans_membership m
              WHERE m.deployment_id = @DeploymentId AND m.address = @Address
                AND m.port = @Port AND m.generation = @Generation)
        RETURNING deployment_id
    ), inserted AS (
        INSERT INTO orleans_membership
            (deployment_id, address, port, generation, silo_name, host_name, status,
             proxy_port, start_time, i_am_alive_time)
        SELECT deployment_id, @Address, @Port, @Generation, @SiloName, @HostName, @Status,
               @ProxyPort, @StartTime, @IAmAliveTime
        FROM bumped
        RETURNING 1
    )
    SELECT count(*)::integer AS "RowCount" FROM inserted;
$q$);

-- Changes a silo row under the same compare-and-swap rule. The heartbeat never moves
-- backwards (GREATEST), so a late writer cannot make a live silo look older.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('UpdateMembershipKey', $q$
    WITH bumped AS (
        UPDATE orleans_membership_version
        SET version = version + 1, changed_at = now()
        WHERE deployment_id = @DeploymentId
          AND version = @Version
          AND EXISTS (
              SELECT 1 FROM orleans_membership m
              WHERE m.deployment_id = @DeploymentId AND m.address = @Address
                AND m.port = @Port AND m.generation = @Generation)
        RETURNING deployment_id
    ), updated AS (
        UPDATE orleans_membership m
        SET status = @Status,
            suspect_times = @SuspectTimes,
            i_am_alive_time = GREATEST(m.i_am_alive_time, @IAmAliveTime)
        FROM bumped
        WHERE m.deployment_id = bumped.deployment_id AND m.address = @Address
          AND m.port = @Port AND m.generation = @Generation
        RETURNING 1
    )
    SELECT count(*)::integer AS "RowCount" FROM updated;
$q$);

-- Heartbeat: not versioned, result not checked by Orleans.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('UpdateIAmAlivetimeKey', $q$
    UPDATE orleans_membership
    SET i_am_alive_time = GREATEST(i_am_alive_time, @IAmAliveTime)
    WHERE deployment_id = @DeploymentId AND address = @Address
      AND port = @Port AND generation = @Generation;
$q$);

-- One silo (or none) plus the table version. The outer join keeps the version row even when
-- the silo is unknown; Orleans treats a row with a NULL StartTime as "no member".
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('MembershipReadRowKey', $q$
    SELECT v.deployment_id   AS "DeploymentId",
           m.address         AS "Address",
           m.port            AS "Port",
           m.generation      AS "Generation",
           m.silo_name       AS "SiloName",
           m.host_name       AS "HostName",
           m.status          AS "Status",
           m.proxy_port      AS "ProxyPort",
           m.suspect_times   AS "SuspectTimes",
           m.start_time      AS "StartTime",
           m.i_am_alive_time AS "IAmAliveTime",
           v.version         AS "Version"
    FROM orleans_membership_version v
    LEFT JOIN orleans_membership m
           ON m.deployment_id = v.deployment_id
          AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
    WHERE v.deployment_id = @DeploymentId;
$q$);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('MembershipReadAllKey', $q$
    SELECT v.deployment_id   AS "DeploymentId",
           m.address         AS "Address",
           m.port            AS "Port",
           m.generation      AS "Generation",
           m.silo_name       AS "SiloName",
           m.host_name       AS "HostName",
           m.status          AS "Status",
           m.proxy_port      AS "ProxyPort",
           m.suspect_times   AS "SuspectTimes",
           m.start_time      AS "StartTime",
           m.i_am_alive_time AS "IAmAliveTime",
           v.version         AS "Version"
    FROM orleans_membership_version v
    LEFT JOIN orleans_membership m ON m.deployment_id = v.deployment_id
    WHERE v.deployment_id = @DeploymentId;
$q$);

-- Gateways clients may connect to: silos in the requested status (Active) with a proxy port.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('GatewaysQueryKey', $q$
    SELECT address    AS "Address",
           proxy_port AS "ProxyPort",
           generation AS "Generation"
    FROM orleans_membership
    WHERE deployment_id = @DeploymentId AND status = @Status AND proxy_port > 0;
$q$);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteMembershipTableEntriesKey', $q$
    DELETE FROM orleans_membership WHERE deployment_id = @DeploymentId;
    DELETE FROM orleans_membership_version WHERE deployment_id = @DeploymentId;
$q$);

-- Bulk pruning of dead silos (status 6 = Dead) whose last sign of life precedes the cutoff.
-- Orleans 10.4.2 prunes row by row with the next query, but still requires this key.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('CleanupDefunctSiloEntriesKey', $q$
    DELETE FROM orleans_membership
    WHERE deployment_id = @DeploymentId
      AND status = 6
      AND i_am_alive_time < @IAmAliveTime
      AND start_time < @IAmAliveTime
      AND COALESCE(suspect_times, '') = '';
$q$);

-- Prunes one dead silo row, only if it is still exactly the row Orleans inspected
-- (same times, same suspicions), so a row changed in between is left alone.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('CleanupDefunctSiloEntryKey', $q$
    DELETE FROM orleans_membership
    WHERE deployment_id = @DeploymentId
      AND address = @Address AND port = @Port AND generation = @Generation
      AND status = 6
      AND start_time = @StartTime
      AND i_am_alive_time = @IAmAliveTime
      AND COALESCE(suspect_times, '') = COALESCE(@SuspectTimes, '');
$q$);

-------------------------------------------------------------------------------------------
-- Grain persistence. A grain is identified by (service, grain type, grain id); Orleans
-- also sends two 32-bit hashes of type and id so lookups use a narrow index. State is an
-- opaque byte payload; the version column is the ETag used for optimistic concurrency.
-------------------------------------------------------------------------------------------

CREATE TABLE orleans_storage
(
    service_id          varchar(150) NOT NULL,
    grain_type_hash     integer      NOT NULL,
    grain_type          varchar(512) NOT NULL,
    grain_id_hash       integer      NOT NULL,
    grain_id_n0         bigint       NOT NULL,
    grain_id_n1         bigint       NOT NULL,
    grain_id_extension  varchar(512) NULL,
    payload             bytea        NULL,
    modified_at         timestamptz  NOT NULL DEFAULT now(),
    version             integer      NOT NULL
);

-- The lookup path used by every query.
CREATE INDEX ix_orleans_storage_hashes ON orleans_storage (grain_id_hash, grain_type_hash);

-- At most one row per grain, even if two activations of the same grain race to create it
-- (possible during a membership split). NULL extensions count as equal via COALESCE; the
-- md5 keeps the index entry small whatever the length of type names and string keys.
CREATE UNIQUE INDEX ux_orleans_storage_grain ON orleans_storage
    (grain_id_hash, grain_type_hash, service_id, grain_id_n0, grain_id_n1,
     md5(grain_type || '|' || COALESCE(grain_id_extension, '<none>')));

-- Write: update the row if the caller holds the current version, or create it if the caller
-- has never seen one. Exactly one row comes back:
--   success            -> the new version;
--   stale update       -> the caller's own version (Orleans sees "unchanged" and raises
--                         InconsistentStateException);
--   lost create race   -> no row (same outcome).
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('WriteToStorageKey', $q$
    WITH updated AS (
        UPDATE orleans_storage
        SET payload = @PayloadBinary, version = version + 1, modified_at = now()
        WHERE @GrainStateVersion IS NOT NULL
          AND grain_id_hash = @GrainIdHash AND grain_type_hash = @GrainTypeHash
          AND service_id = @ServiceId
          AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
          AND grain_type = @GrainTypeString
          AND grain_id_extension IS NOT DISTINCT FROM @GrainIdExtensionString
          AND version = @GrainStateVersion
        RETURNING version
    ), created AS (
        INSERT INTO orleans_storage
            (service_id, grain_type_hash, grain_type, grain_id_hash, grain_id_n0, grain_id_n1,
             grain_id_extension, payload, version)
        SELECT @ServiceId, @GrainTypeHash, @GrainTypeString, @GrainIdHash, @GrainIdN0, @GrainIdN1,
               @GrainIdExtensionString, @PayloadBinary, 1
        WHERE @GrainStateVersion IS NULL
        ON CONFLICT DO NOTHING
        RETURNING version
    )
    SELECT version AS "NewGrainStateVersion" FROM updated
    UNION ALL
    SELECT version FROM created
    UNION ALL
    SELECT @GrainStateVersion
    WHERE @GrainStateVersion IS NOT NULL AND NOT EXISTS (SELECT 1 FROM updated);
$q$);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadFromStorageKey', $q$
    SELECT payload AS "PayloadBinary",
           version AS "Version"
    FROM orleans_storage
    WHERE grain_id_hash = @GrainIdHash AND grain_type_hash = @GrainTypeHash
      AND service_id = @ServiceId
      AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
      AND grain_type = @GrainTypeString
      AND grain_id_extension IS NOT DISTINCT FROM @GrainIdExtensionString;
$q$);

-- Clear keeps the row as a tombstone (payload NULL, version bumped) so the version sequence,
-- and with it optimistic concurrency, survives a clear followed by a new write.
-- Same result rule as the write. DeleteStorageKey (AdoNetGrainStorageOptions.DeleteStateOnClear)
-- is deliberately not provided: we do not enable that option.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ClearStorageKey', $q$
    WITH cleared AS (
        UPDATE orleans_storage
        SET payload = NULL, version = version + 1, modified_at = now()
        WHERE grain_id_hash = @GrainIdHash AND grain_type_hash = @GrainTypeHash
          AND service_id = @ServiceId
          AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
          AND grain_type = @GrainTypeString
          AND grain_id_extension IS NOT DISTINCT FROM @GrainIdExtensionString
          AND version = @GrainStateVersion
        RETURNING version
    )
    SELECT version AS "NewGrainStateVersion" FROM cleared
    UNION ALL
    SELECT @GrainStateVersion
    WHERE @GrainStateVersion IS NOT NULL AND NOT EXISTS (SELECT 1 FROM cleared);
$q$);

-------------------------------------------------------------------------------------------
-- Reminders. The grain hash places each reminder on the silo ring; silos read the range
-- they own. Period is in milliseconds. Version is the reminder's ETag.
-------------------------------------------------------------------------------------------

CREATE TABLE orleans_reminders
(
    service_id    varchar(150) NOT NULL,
    grain_id      varchar(512) NOT NULL,
    reminder_name varchar(150) NOT NULL,
    start_time    timestamptz  NOT NULL,
    period        bigint       NOT NULL,
    grain_hash    integer      NOT NULL,
    version       integer      NOT NULL,
    PRIMARY KEY (service_id, grain_id, reminder_name)
);

CREATE INDEX ix_orleans_reminders_ring ON orleans_reminders (service_id, grain_hash);

-- Returns the new version, which becomes the reminder's ETag.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('UpsertReminderRowKey', $q$
    INSERT INTO orleans_reminders
        (service_id, grain_id, reminder_name, start_time, period, grain_hash, version)
    VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
    ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
    SET start_time = excluded.start_time,
        period     = excluded.period,
        grain_hash = excluded.grain_hash,
        version    = orleans_reminders.version + 1
    RETURNING version AS "Version";
$q$);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadReminderRowsKey', $q$
    SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime",
           period AS "Period", version AS "Version"
    FROM orleans_reminders
    WHERE service_id = @ServiceId AND grain_id = @GrainId;
$q$);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadReminderRowKey', $q$
    SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime",
           period AS "Period", version AS "Version"
    FROM orleans_reminders
    WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName;
$q$);

-- Ring range (begin, end] that does not wrap around (begin < end as signed integers).
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadRangeRows1Key', $q$
    SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime",
           period AS "Period", version AS "Version"
    FROM orleans_reminders
    WHERE service_id = @ServiceId AND grain_hash > @BeginHash AND grain_hash <= @EndHash;
$q$);

-- Ring range that wraps around: everything after begin plus everything up to end.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadRangeRows2Key', $q$
    SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime",
           period AS "Period", version AS "Version"
    FROM orleans_reminders
    WHERE service_id = @ServiceId AND (grain_hash > @BeginHash OR grain_hash <= @EndHash);
$q$);

-- Deletes only the version the caller holds; 1 = deleted, 0 = stale ETag or already gone.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteReminderRowKey', $q$
    WITH deleted AS (
        DELETE FROM orleans_reminders
        WHERE service_id = @ServiceId AND grain_id = @GrainId
          AND reminder_name = @ReminderName AND version = @Version
        RETURNING 1
    )
    SELECT count(*)::integer AS "RowCount" FROM deleted;
$q$);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteReminderRowsKey', $q$
    DELETE FROM orleans_reminders WHERE service_id = @ServiceId;
$q$);
