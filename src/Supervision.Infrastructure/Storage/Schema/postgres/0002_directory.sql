-- The list and the two directories (一单两库): departments, inspection items, market entities, inspectors.
-- These tables are the system of record for directory profiles: bulk import writes them with COPY,
-- the entity and inspector grains write them row by row, and every list or search reads them.
-- `version` is the optimistic-concurrency token exposed as the HTTP ETag.

CREATE TABLE departments (
    code            text        PRIMARY KEY,
    name            text        NOT NULL,
    parent_code     text        NULL REFERENCES departments (code),
    division_code   text        NULL,
    publish_mode    text        NOT NULL DEFAULT 'publisher',  -- 'automatic' or 'publisher'
    yearly_cap      integer     NULL,                          -- inspections per entity per year, NULL = platform default
    version         bigint      NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);

CREATE TABLE inspection_items (
    code            text        PRIMARY KEY,
    name            text        NOT NULL,
    department_code text        NOT NULL REFERENCES departments (code),
    legal_basis     text        NOT NULL,
    method          text        NOT NULL,                      -- 'written', 'on-site', 'online'
    is_key          boolean     NOT NULL DEFAULT false,        -- key item (重点) or general item
    entity_types    text        NOT NULL DEFAULT '',           -- comma-separated USCC type prefixes, empty = all
    industries      text        NOT NULL DEFAULT '',           -- comma-separated GB/T 4754 prefixes, empty = all
    result_codes    text        NOT NULL,                      -- comma-separated allowed result codes
    active          boolean     NOT NULL DEFAULT true,
    version         bigint      NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX inspection_items_department ON inspection_items (department_code);

CREATE TABLE market_entities (
    credit_code          text        PRIMARY KEY,
    legacy_reg_no        text        NULL,
    name                 text        NOT NULL,
    entity_type          text        NOT NULL,
    industry_code        text        NOT NULL,
    division_code        text        NOT NULL,
    address              text        NOT NULL DEFAULT '',
    legal_representative text        NOT NULL DEFAULT '',
    status               text        NOT NULL,
    registered_on        date        NULL,
    credit_class         text        NOT NULL DEFAULT 'B',
    tags                 text        NOT NULL DEFAULT '',
    checksum_review      boolean     NOT NULL DEFAULT false,   -- imported with a failing check character, kept for review
    version              bigint      NOT NULL DEFAULT 1,
    updated_at           timestamptz NOT NULL
);
CREATE INDEX market_entities_division ON market_entities (division_code);
CREATE INDEX market_entities_industry ON market_entities (industry_code);
CREATE INDEX market_entities_status_class ON market_entities (status, credit_class);
CREATE INDEX market_entities_name ON market_entities (name text_pattern_ops);

CREATE TABLE inspectors (
    certificate_no         text        PRIMARY KEY,
    name                   text        NOT NULL,
    department_code        text        NOT NULL,
    certificate_expires_on date        NULL,
    specialties            text        NOT NULL DEFAULT '',    -- comma-separated item codes / specialty tags
    status                 text        NOT NULL,               -- 'active' or 'inactive'
    conflicts              text        NOT NULL DEFAULT '',    -- comma-separated credit codes declared as conflicts
    version                bigint      NOT NULL DEFAULT 1,
    updated_at             timestamptz NOT NULL
);
CREATE INDEX inspectors_department ON inspectors (department_code, status);
