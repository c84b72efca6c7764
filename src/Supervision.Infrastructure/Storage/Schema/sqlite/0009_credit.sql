-- Credit scores around the pure credit core (docs/credit-model.md, "The service").
-- credit_events holds the events behind every score (one row per event key: an amendment, a withdrawn follow-up or a
-- corrected external record replaces or removes its row); credit_scores holds each scored entity's decay summary
-- (CreditSummary: reference instant + one bucket per half-life) so the nightly job recomputes classes from these
-- columns alone, in key order, without reading events or activating grains.

CREATE TABLE credit_events (
    entity_credit_code  text        NOT NULL,
    event_key           text        NOT NULL,                   -- outcome:{inspection}/{item}, correction:{action key}, abnormal:{inspection}, external:{authority}/{reference} ...
    source              text        NOT NULL,                   -- outcome follow-up listing external
    kind                text        NOT NULL,                   -- CreditEventKind name
    occurred_at         TEXT        NOT NULL,
    result_codes        text        NOT NULL DEFAULT '',        -- InspectionOutcome only, comma-separated
    severity            text        NULL,                       -- ExternalPenalty only: Minor Serious Grave
    reference           text        NULL,                       -- what an explanation points back to
    source_id           text        NOT NULL,                   -- outcome_id, follow-up action key, listing key, external record seq
    source_version      integer     NOT NULL DEFAULT 0,         -- outcomes: the result version (the highest wins)
    recorded_at         TEXT        NOT NULL,
    PRIMARY KEY (entity_credit_code, event_key)
);

CREATE TABLE credit_scores (
    entity_credit_code  text        PRIMARY KEY,
    score               REAL NOT NULL,              -- at computed_at
    credit_class        text        NOT NULL,
    weight              REAL NOT NULL,              -- the class's configured draw weight at computed_at
    as_of_days          REAL NOT NULL,              -- CreditSummary.AsOfDays
    bucket0             REAL NOT NULL,
    bucket1             REAL NOT NULL,
    bucket2             REAL NOT NULL,
    bucket3             REAL NOT NULL,
    event_count         integer     NOT NULL,
    layout              text        NOT NULL,                   -- half-lives of the buckets, e.g. "365,730,1095"
    computed_at         TEXT        NOT NULL,
    revision            bigint      NOT NULL                    -- guards writes: the grain and the nightly job never overwrite each other
);

-- Consumer checkpoints: the last seq of each source stream fully applied.
CREATE TABLE credit_feed_checkpoints (
    stream              text        PRIMARY KEY,                -- inspection-outcomes external-records
    last_seq            bigint      NOT NULL,
    updated_at          TEXT        NOT NULL
);

-- Imported external records (administrative penalties etc.), append-only; a corrected record is a new row with the
-- same (authority, reference) and supersedes the earlier one.
CREATE TABLE credit_external_records (
    seq                 INTEGER     PRIMARY KEY AUTOINCREMENT,
    authority           text        NOT NULL,
    reference           text        NOT NULL,
    entity_credit_code  text        NOT NULL,
    kind                text        NOT NULL,                   -- penalty serious-violation
    severity            text        NULL,
    occurred_on         TEXT        NOT NULL,
    description         text        NOT NULL DEFAULT '',
    import_id           text        NOT NULL,
    imported_by         text        NOT NULL,
    recorded_at         TEXT        NOT NULL
);
CREATE INDEX credit_external_records_key ON credit_external_records (authority, reference, seq);
CREATE INDEX credit_external_records_entity ON credit_external_records (entity_credit_code);

-- One row per import of an external-records CSV, with its rejected lines as JSON.
CREATE TABLE credit_imports (
    import_id           text        PRIMARY KEY,
    file_name           text        NOT NULL,
    sha256              text        NOT NULL,
    rows_read           integer     NOT NULL,
    accepted            integer     NOT NULL,
    unchanged           integer     NOT NULL,
    rejected            integer     NOT NULL,
    errors_json         text        NOT NULL,
    imported_by         text        NOT NULL,
    imported_at         TEXT        NOT NULL
);

-- Every change of an entity's class (the audit log has a line for each too).
CREATE TABLE credit_class_changes (
    id                  INTEGER     PRIMARY KEY AUTOINCREMENT,
    entity_credit_code  text        NOT NULL,
    old_class           text        NULL,
    new_class           text        NOT NULL,
    old_score           REAL NULL,
    new_score           REAL NOT NULL,
    at                  TEXT        NOT NULL,
    cause               text        NOT NULL,                   -- events nightly
    reason              text        NOT NULL,
    run_id              text        NULL
);
CREATE INDEX credit_class_changes_entity ON credit_class_changes (entity_credit_code, id);

-- Runs of the nightly (or manually triggered) recomputation.
CREATE TABLE credit_recompute_runs (
    run_id              text        PRIMARY KEY,
    cause               text        NOT NULL,                   -- reminder manual
    requested_by        text        NOT NULL,
    started_at          TEXT        NOT NULL,
    finished_at         TEXT        NULL,
    status              text        NOT NULL,                   -- running completed failed
    entities            bigint      NOT NULL DEFAULT 0,
    rows_read           bigint      NOT NULL DEFAULT 0,
    batches             bigint      NOT NULL DEFAULT 0,
    changed             bigint      NOT NULL DEFAULT 0,
    class_counts        text        NOT NULL DEFAULT '',        -- "A,B,C,D" counts after the run
    error               text        NULL
);
