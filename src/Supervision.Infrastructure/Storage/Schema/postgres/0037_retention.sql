-- Retention and redaction of the public record (docs/retention.md).
--
-- Redaction: a published version names the fields a reviewer withheld before publication and why ("field:category" pairs,
-- e.g. "reason:commercial-secret"); the withheld text is never written here (it stays in the inspection for the staff).
ALTER TABLE published_results ADD COLUMN withheld text NULL;

-- Retention: when the expiry job withdrew the version from every public surface (search, entity pages, open data, bulk
-- files). The row stays for the staff, the statistics and the audit; the public queries read only rows where this is null.
ALTER TABLE published_results ADD COLUMN withdrawn_at timestamptz NULL;

-- What was withdrawn, when, and under which rule: one row per record (a result: all versions of one inspection; an
-- abnormal listing: one removed entry). The public abnormal list leaves out the entries named here.
CREATE TABLE public_withdrawals (
    record_kind         text        NOT NULL CHECK (record_kind IN ('result', 'abnormal-listing')),
    record_id           text        NOT NULL,                  -- the inspection id, or the abnormal entry id
    entity_credit_code  text        NOT NULL,
    subject_kind        text        NOT NULL CHECK (subject_kind IN ('legal-person', 'natural-person')),
    public_from         date        NOT NULL,                  -- first publication, or removal from the list
    expired_on          date        NOT NULL,                  -- public_from + the period in years
    years               integer     NOT NULL,
    withdrawn_at        timestamptz NOT NULL,
    run_on              date        NOT NULL,                  -- the job's run (retention_runs)
    PRIMARY KEY (record_kind, record_id)
);
CREATE INDEX public_withdrawals_entity ON public_withdrawals (entity_credit_code);

-- One row per daily run of the expiry job (Beijing date): its counts, the bulk-file partitions it touched, and when their
-- files were generated again with new checksums (null until done: the next tick resumes there).
CREATE TABLE retention_runs (
    run_on                  date        PRIMARY KEY,
    ran_at                  timestamptz NOT NULL,
    results_withdrawn       integer     NOT NULL,
    versions_withdrawn      integer     NOT NULL,
    listings_withdrawn      integer     NOT NULL,
    partitions              text        NOT NULL,             -- "2026/D1;2026/" : year/department ('' = every department)
    files_regenerated_at    timestamptz NULL,
    files_regenerated       integer     NULL
);

-- A withdrawn version leaves the name index as a superseded one does (0014's trigger, now for both marks).
CREATE OR REPLACE FUNCTION supervision_drop_name_grams() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM published_name_grams g USING changed c
    WHERE (c.superseded_by IS NOT NULL OR c.withdrawn_at IS NOT NULL) AND g.result_seq = c.seq;
    RETURN NULL;
END $$;
