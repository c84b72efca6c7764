-- SQLite flavour of postgres/0007_inspections.sql. Inspections after dispatch (docs/workflow.md, "The service").
-- `inspections` is both the system of record of each inspection grain (state_json: the core's Inspection
-- value as JSON, guarded by `revision`) and the read model the lists and progress views query. Every change
-- rewrites the row in one transaction with its audit line, its outcome events, its follow-up records and its
-- notifications: nothing is half-applied, and a response is sent only after the commit.

CREATE TABLE inspections (
    inspection_id        text        PRIMARY KEY,              -- "{taskId}/{entityCreditCode}"
    task_id              text        NOT NULL,
    entity_credit_code   text        NOT NULL,
    entity_name          text        NOT NULL DEFAULT '',
    division_code        text        NOT NULL DEFAULT '',
    lead_department      text        NOT NULL,
    departments          text        NOT NULL,                 -- ",D1,D2,": the departments owning items (reviewers)
    team                 text        NOT NULL,                 -- ",C0001,C0002,": certificate numbers, lead first
    state                text        NOT NULL,                 -- Assigned Draft Signed Submitted UnderReview Returned Approved Published
    due_date             TEXT        NOT NULL,
    revision             INTEGER      NOT NULL,                 -- the ETag
    state_json           text        NOT NULL,
    current_version      integer     NULL,                     -- latest submitted version
    published_version    integer     NULL,
    approved_on          TEXT        NULL,                     -- Beijing date the last department approved
    publication_due      TEXT        NULL,                     -- approved_on + 20 working days
    due_warned           INTEGER     NOT NULL DEFAULT 0,   -- the before-due reminder was sent
    overdue              INTEGER     NOT NULL DEFAULT 0,   -- marked by the deadline reminder
    publication_overdue  INTEGER     NOT NULL DEFAULT 0,
    created_at           TEXT        NOT NULL,
    updated_at           TEXT        NOT NULL
);
CREATE INDEX inspections_task ON inspections (task_id, inspection_id);
CREATE INDEX inspections_entity ON inspections (entity_credit_code);

-- Who is on which team: "my inspections" is an index range, not a scan.
CREATE TABLE inspection_members (
    certificate_no  text    NOT NULL,
    inspection_id   text    NOT NULL REFERENCES inspections (inspection_id),
    username        text    NOT NULL,                           -- the account holding the certificate, or the certificate number
    is_lead         INTEGER NOT NULL,
    PRIMARY KEY (certificate_no, inspection_id)
);

-- One row per dispatched task (the dispatch record; the task tables are the draw service's).
CREATE TABLE inspection_dispatches (
    task_id         text        PRIMARY KEY,
    dispatched_by   text        NOT NULL,
    dispatched_at   TEXT        NOT NULL,
    inspections     integer     NOT NULL
);

-- The in-app inbox (the default INotifier). recipient: "inspector:{certificateNo}" or "department:{code}".
CREATE TABLE notifications (
    id              INTEGER     PRIMARY KEY AUTOINCREMENT,
    recipient       text        NOT NULL,
    inspection_id   text        NOT NULL,
    kind            text        NOT NULL,                       -- assigned returned due-soon overdue publication-overdue
    message         text        NOT NULL,
    created_at      TEXT        NOT NULL
);
CREATE INDEX notifications_recipient ON notifications (recipient, id);

-- Evidence files, keyed by the SHA-256 of their content (the same bytes are stored once).
CREATE TABLE evidence_files (
    sha256          text        PRIMARY KEY,
    size_bytes      INTEGER      NOT NULL,
    media_type      text        NOT NULL,
    content         BLOB        NOT NULL,
    uploaded_by     text        NOT NULL,
    uploaded_at     TEXT        NOT NULL
);

-- Contract supervision.inspection-outcome v1 (docs/workflow.md): appended on approval, never updated.
CREATE TABLE inspection_outcomes (
    seq                 INTEGER     PRIMARY KEY AUTOINCREMENT,                -- consumers read in this order
    outcome_id          text        NOT NULL UNIQUE,            -- "{inspectionId}/v{version}/{itemCode}"
    schema_version      integer     NOT NULL,
    entity_credit_code  text        NOT NULL,
    task_id             text        NOT NULL,
    inspection_id       text        NOT NULL,
    item_code           text        NOT NULL,
    result_codes        text        NOT NULL,                   -- comma-separated, ordinal order
    inspected_on        TEXT        NOT NULL,
    approved_on         TEXT        NOT NULL,
    department_code     text        NOT NULL,
    version             integer     NOT NULL,
    kind                text        NOT NULL,                   -- Initial Amendment
    supersedes_version  integer     NULL,
    payload_json        text        NOT NULL,                   -- the event as published (camelCase JSON)
    recorded_at         TEXT        NOT NULL
);
CREATE INDEX inspection_outcomes_entity ON inspection_outcomes (entity_credit_code, seq);

-- Correction orders and targeted re-inspections from FollowUpRules. An amendment replaces the actions of its
-- (inspection, item): keys no longer produced are marked 'withdrawn'.
CREATE TABLE follow_ups (
    action_key          text        PRIMARY KEY,                -- "{inspectionId}/{itemCode}/{kind}"
    kind                text        NOT NULL,                   -- correction-order reinspection
    entity_credit_code  text        NOT NULL,
    task_id             text        NOT NULL,
    inspection_id       text        NOT NULL,
    item_code           text        NOT NULL,
    department_code     text        NOT NULL,
    not_before          TEXT        NULL,
    due_on              TEXT        NOT NULL,
    status              text        NOT NULL,                   -- open withdrawn
    source_version      integer     NOT NULL,
    payload_json        text        NOT NULL,
    updated_at          TEXT        NOT NULL
);
CREATE INDEX follow_ups_inspection ON follow_ups (inspection_id, item_code);
CREATE INDEX follow_ups_entity ON follow_ups (entity_credit_code);

-- The abnormal-operations list (code 6); removed by a later clean inspection.
CREATE TABLE abnormal_listings (
    entity_credit_code      text        NOT NULL,
    source_inspection_id    text        NOT NULL,
    reason_code             text        NOT NULL,
    verified_on             TEXT        NOT NULL,
    list_by                 TEXT        NOT NULL,
    serious_alert_on        TEXT        NOT NULL,
    source_version          integer     NOT NULL,
    removed_on              TEXT        NULL,
    removed_by_inspection   text        NULL,
    updated_at              TEXT        NOT NULL,
    PRIMARY KEY (entity_credit_code, source_inspection_id)
);
