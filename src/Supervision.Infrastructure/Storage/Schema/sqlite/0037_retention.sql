-- SQLite flavour of postgres/0037_retention.sql (docs/retention.md): withheld fields and the withdrawal mark of published
-- versions, the record of withdrawals, and the expiry job's daily runs. SQLite has no name-gram table to keep.
ALTER TABLE published_results ADD COLUMN withheld text NULL;

ALTER TABLE published_results ADD COLUMN withdrawn_at TEXT NULL;

CREATE TABLE public_withdrawals (
    record_kind         text        NOT NULL CHECK (record_kind IN ('result', 'abnormal-listing')),
    record_id           text        NOT NULL,
    entity_credit_code  text        NOT NULL,
    subject_kind        text        NOT NULL CHECK (subject_kind IN ('legal-person', 'natural-person')),
    public_from         TEXT        NOT NULL,
    expired_on          TEXT        NOT NULL,
    years               integer     NOT NULL,
    withdrawn_at        TEXT        NOT NULL,
    run_on              TEXT        NOT NULL,
    PRIMARY KEY (record_kind, record_id)
);
CREATE INDEX public_withdrawals_entity ON public_withdrawals (entity_credit_code);

CREATE TABLE retention_runs (
    run_on                  TEXT        PRIMARY KEY,
    ran_at                  TEXT        NOT NULL,
    results_withdrawn       integer     NOT NULL,
    versions_withdrawn      integer     NOT NULL,
    listings_withdrawn      integer     NOT NULL,
    partitions              text        NOT NULL,
    files_regenerated_at    TEXT        NULL,
    files_regenerated       integer     NULL
);
