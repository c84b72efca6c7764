-- SQLite flavour of postgres/0002_directory.sql: the same tables and meaning; bulk import uses batched
-- prepared upserts here instead of COPY. `version` is the optimistic-concurrency token exposed as the HTTP ETag.
CREATE TABLE departments (
    code            TEXT        PRIMARY KEY,
    name            TEXT        NOT NULL,
    parent_code     TEXT        NULL REFERENCES departments (code),
    division_code   TEXT        NULL,
    publish_mode    TEXT        NOT NULL DEFAULT 'publisher',  -- 'automatic' or 'publisher'
    yearly_cap      INTEGER     NULL,                          -- inspections per entity per year, NULL = platform default
    version         INTEGER      NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

CREATE TABLE inspection_items (
    code            TEXT        PRIMARY KEY,
    name            TEXT        NOT NULL,
    department_code TEXT        NOT NULL REFERENCES departments (code),
    legal_basis     TEXT        NOT NULL,
    method          TEXT        NOT NULL,                      -- 'written', 'on-site', 'online'
    is_key          INTEGER     NOT NULL DEFAULT 0,        -- key item (重点) or general item
    entity_types    TEXT        NOT NULL DEFAULT '',           -- comma-separated USCC type prefixes, empty = all
    industries      TEXT        NOT NULL DEFAULT '',           -- comma-separated GB/T 4754 prefixes, empty = all
    result_codes    TEXT        NOT NULL,                      -- comma-separated allowed result codes
    active          INTEGER     NOT NULL DEFAULT 1,
    version         INTEGER      NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX inspection_items_department ON inspection_items (department_code);

CREATE TABLE market_entities (
    credit_code          TEXT        PRIMARY KEY,
    legacy_reg_no        TEXT        NULL,
    name                 TEXT        NOT NULL,
    entity_type          TEXT        NOT NULL,
    industry_code        TEXT        NOT NULL,
    division_code        TEXT        NOT NULL,
    address              TEXT        NOT NULL DEFAULT '',
    legal_representative TEXT        NOT NULL DEFAULT '',
    status               TEXT        NOT NULL,
    registered_on        TEXT        NULL,
    credit_class         TEXT        NOT NULL DEFAULT 'B',
    tags                 TEXT        NOT NULL DEFAULT '',
    checksum_review      INTEGER     NOT NULL DEFAULT 0,   -- imported with a failing check character, kept for review
    version              INTEGER      NOT NULL DEFAULT 1,
    updated_at           TEXT NOT NULL
);
CREATE INDEX market_entities_division ON market_entities (division_code);
CREATE INDEX market_entities_industry ON market_entities (industry_code);
CREATE INDEX market_entities_status_class ON market_entities (status, credit_class);
CREATE INDEX market_entities_name ON market_entities (name );

CREATE TABLE inspectors (
    certificate_no         TEXT        PRIMARY KEY,
    name                   TEXT        NOT NULL,
    department_code        TEXT        NOT NULL,
    certificate_expires_on TEXT        NULL,
    specialties            TEXT        NOT NULL DEFAULT '',    -- comma-separated item codes / specialty tags
    status                 TEXT        NOT NULL,               -- 'active' or 'inactive'
    conflicts              TEXT        NOT NULL DEFAULT '',    -- comma-separated credit codes declared as conflicts
    version                INTEGER      NOT NULL DEFAULT 1,
    updated_at             TEXT NOT NULL
);
CREATE INDEX inspectors_department ON inspectors (department_code, status);
