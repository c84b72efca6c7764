-- SQLite flavour of postgres/0010_publication.sql (docs/public-portal.md). Partial names are matched with LIKE here
-- (a scan of the current versions): the embedded mode holds one installation's data, not a province's.

ALTER TABLE departments ADD COLUMN publish_team_names INTEGER NOT NULL DEFAULT 0;

ALTER TABLE inspections ADD COLUMN publication_warned INTEGER NOT NULL DEFAULT 0;

CREATE TABLE published_results (
    seq                 INTEGER     PRIMARY KEY AUTOINCREMENT,
    publication_id      text        NOT NULL UNIQUE,
    inspection_id       text        NOT NULL,
    version             integer     NOT NULL,
    kind                text        NOT NULL,
    reason              text        NULL,
    task_id             text        NOT NULL,
    task_name           text        NOT NULL,
    entity_credit_code  text        NOT NULL,
    entity_name         text        NOT NULL,
    division_code       text        NOT NULL,
    industry_code       text        NOT NULL,
    lead_department     text        NOT NULL,
    departments         text        NOT NULL,
    inspected_on        TEXT        NOT NULL,
    approved_on         TEXT        NOT NULL,
    published_on        TEXT        NOT NULL,
    published_at        TEXT        NOT NULL,
    publication_due     TEXT        NULL,
    team_names          text        NULL,
    superseded_by       integer     NULL,
    superseded_on       TEXT        NULL
);
CREATE INDEX published_results_entity ON published_results (entity_credit_code, seq);
CREATE INDEX published_results_inspection ON published_results (inspection_id, version);
CREATE INDEX published_results_task ON published_results (task_id, seq);
CREATE INDEX published_results_lead ON published_results (lead_department, seq);
CREATE INDEX published_results_division ON published_results (division_code);
CREATE INDEX published_results_inspected ON published_results (inspected_on, seq);
CREATE INDEX published_results_year ON published_results (published_on, seq);

CREATE TABLE published_result_items (
    publication_id   text    NOT NULL REFERENCES published_results (publication_id),
    item_code        text    NOT NULL,
    item_name        text    NOT NULL,
    department_code  text    NOT NULL,
    result_codes     text    NOT NULL,
    inspected_on     TEXT    NOT NULL,
    PRIMARY KEY (publication_id, item_code)
);

CREATE TABLE published_exports (
    year            integer     NOT NULL,
    department      text        NOT NULL,
    format          text        NOT NULL,
    last_seq        INTEGER     NOT NULL,
    row_count       INTEGER     NOT NULL,
    byte_count      INTEGER     NOT NULL,
    sha256          text        NOT NULL,
    generated_at    TEXT        NOT NULL,
    PRIMARY KEY (year, department, format, last_seq)
);
