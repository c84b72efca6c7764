-- Random-inspection tasks and their two draws (docs/draw-service.md).
-- draw_tasks is the read model of the task grain: every transition rewrites the row, guarded by
-- `version`, in the same transaction as its audit line. The server secret is NOT here: it lives in
-- the grain's persisted state until the entity draw commits, and is then revealed in draw_records.

CREATE TABLE draw_tasks (
    task_id             text        PRIMARY KEY,
    name                text        NOT NULL,
    lead_department     text        NOT NULL,
    departments         text        NOT NULL,                 -- comma-separated: lead first, then participating
    status              text        NOT NULL,                 -- draft published frozen entities_drawn inspectors_drawn cancelled
    version             bigint      NOT NULL,
    definition_json     text        NOT NULL,                 -- items, filter, sampling rule, team size, deadline, caps
    published_at        timestamptz NULL,
    population_sha256   text        NULL,
    population_count    bigint      NULL,
    partition_count     integer     NULL,
    exclusions_json     text        NULL,                     -- counts per reason, fixed at freeze
    secret_commitment   text        NULL,
    entropy_json        text        NOT NULL DEFAULT '[]',
    beacon_json         text        NULL,
    created_by          text        NOT NULL,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL
);
CREATE INDEX draw_tasks_lead ON draw_tasks (lead_department, task_id);

-- The frozen population: one row per member, numbered in canonical (byte) order of member id so that
-- partitions are ordinal ranges and the snapshot streams in order without sorting again.
CREATE TABLE draw_population (
    task_id        text    NOT NULL,
    ordinal        bigint  NOT NULL,
    member_id      text    COLLATE "C" NOT NULL,
    stratum        text    NOT NULL,
    weight_micros  bigint  NOT NULL,
    exclusion      text    NULL,                               -- reason code when excluded before drawing (e.g. yearly-cap)
    PRIMARY KEY (task_id, ordinal)
);

-- One immutable record per draw kind per task. Written once, in the same transaction as its result rows.
CREATE TABLE draw_records (
    task_id        text        NOT NULL,
    kind           text        NOT NULL,                       -- 'entity' or 'inspector'
    record_json    text        NOT NULL,                       -- entity: the pack; inspector: the inspector section
    pool_json      text        NULL,                           -- inspector: the exact inspector pool file bytes (UTF-8)
    committed_by   text        NOT NULL,
    committed_at   timestamptz NOT NULL,
    PRIMARY KEY (task_id, kind)
);

CREATE TABLE drawn_entities (
    task_id          text   NOT NULL,
    rank             integer NOT NULL,
    member_id        text   NOT NULL,
    stratum          text   NOT NULL,
    draw_key         text   NOT NULL,
    probability      text   NOT NULL,
    PRIMARY KEY (task_id, rank)
);
CREATE INDEX drawn_entities_member ON drawn_entities (member_id);

-- Burden ledger: one row per drawn entity per item of the task, counted against the yearly cap.
CREATE TABLE draw_burden (
    member_id   text    NOT NULL,
    item_code   text    NOT NULL,
    draw_year   integer NOT NULL,
    task_id     text    NOT NULL,
    PRIMARY KEY (member_id, item_code, draw_year, task_id)
);

CREATE TABLE drawn_teams (
    task_id          text        NOT NULL,
    rank             integer     NOT NULL,
    member_id        text        NOT NULL,
    position         integer     NOT NULL,
    certificate_no   text        NOT NULL,
    department_code  text        NOT NULL,
    is_lead          boolean     NOT NULL,
    status           text        NOT NULL DEFAULT 'open',      -- 'open' counts against the workload cap
    drawn_at         timestamptz NOT NULL,
    PRIMARY KEY (task_id, rank, position)
);
CREATE INDEX drawn_teams_member ON drawn_teams (member_id, drawn_at);
CREATE INDEX drawn_teams_inspector ON drawn_teams (certificate_no, status);
