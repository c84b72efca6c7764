-- One public (docs/public-portal.md): the public read model of published inspection results, the department's
-- publication settings, the publication warning mark and the checksums of bulk downloads.
-- published_results and published_result_items are written by the transaction that publishes an inspection and
-- never rewritten: an amendment that is approved and published adds a new version; the only column ever updated
-- is superseded_by/superseded_on on the version it replaces.

-- Whether a department's published results name the inspection team (names only, never certificates or contacts).
ALTER TABLE departments ADD COLUMN publish_team_names boolean NOT NULL DEFAULT false;

-- The "publish soon" warning was sent (once per approval).
ALTER TABLE inspections ADD COLUMN publication_warned boolean NOT NULL DEFAULT false;

CREATE TABLE published_results (
    seq                 bigserial   PRIMARY KEY,               -- publication order: keyset paging and cache validators
    publication_id      text        NOT NULL UNIQUE,           -- "{inspectionId}/v{version}"
    inspection_id       text        NOT NULL,
    version             integer     NOT NULL,
    kind                text        NOT NULL,                  -- initial amendment
    reason              text        NULL,                      -- the amendment's reason
    task_id             text        NOT NULL,
    task_name           text        NOT NULL,
    entity_credit_code  text        NOT NULL,
    entity_name         text        NOT NULL,
    division_code       text        NOT NULL,
    industry_code       text        NOT NULL,
    lead_department     text        NOT NULL,
    departments         text        NOT NULL,                  -- ",D1,D2,": the lead and the departments owning items
    inspected_on        date        NOT NULL,                  -- the latest visit of the published version (Beijing date)
    approved_on         date        NOT NULL,
    published_on        date        NOT NULL,                  -- Beijing date; the year of the bulk download
    published_at        timestamptz NOT NULL,
    publication_due     date        NULL,
    team_names          text        NULL,                      -- only when the lead department publishes team names
    superseded_by       integer     NULL,                      -- the later published version that replaced this one
    superseded_on       date        NULL
);
CREATE INDEX published_results_entity ON published_results (entity_credit_code, seq);
CREATE INDEX published_results_inspection ON published_results (inspection_id, version);
CREATE INDEX published_results_task ON published_results (task_id, seq);
CREATE INDEX published_results_lead ON published_results (lead_department, seq);
CREATE INDEX published_results_division ON published_results (division_code text_pattern_ops);
CREATE INDEX published_results_inspected ON published_results (inspected_on, seq);
CREATE INDEX published_results_year ON published_results (published_on, seq);

-- Partial Chinese names: every two-character substring of the name, in a GIN index. pg_trgm would need three
-- characters of a query (most Chinese searches are two: 餐饮, 药店) and, in a database with the C locale, skips
-- non-ASCII characters altogether; bigrams of the raw text need neither.
CREATE FUNCTION supervision_bigrams(t text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT coalesce(array_agg(DISTINCT substr(t, i, 2)), '{}'::text[]) FROM generate_series(1, length(t) - 1) AS i $$;
CREATE INDEX published_results_name_bigrams ON published_results USING gin (supervision_bigrams(entity_name)) WHERE superseded_by IS NULL;

CREATE TABLE published_result_items (
    publication_id   text    NOT NULL REFERENCES published_results (publication_id),
    item_code        text    NOT NULL,
    item_name        text    NOT NULL,
    department_code  text    NOT NULL,
    result_codes     text    NOT NULL,                         -- comma-separated, ordinal order
    inspected_on     date    NOT NULL,
    PRIMARY KEY (publication_id, item_code)
);

-- SHA-256 of each bulk download as generated: the content of (year, department, format) up to last_seq never changes.
CREATE TABLE published_exports (
    year            integer     NOT NULL,
    department      text        NOT NULL,                      -- '' = every department
    format          text        NOT NULL,                      -- csv json
    last_seq        bigint      NOT NULL,
    row_count       bigint      NOT NULL,
    byte_count      bigint      NOT NULL,
    sha256          text        NOT NULL,
    generated_at    timestamptz NOT NULL,
    PRIMARY KEY (year, department, format, last_seq)
);
