-- The entity's right of reply and objection; see the PostgreSQL script.
CREATE TABLE objections (
    objection_id        TEXT        PRIMARY KEY,
    kind                TEXT        NOT NULL CHECK (kind IN ('statement', 'objection')),
    inspection_id       TEXT        NOT NULL,
    result_version      INTEGER     NOT NULL,
    entity_credit_code  TEXT        NOT NULL,
    lead_department     TEXT        NOT NULL,
    reason              TEXT        NOT NULL,
    state               TEXT        NOT NULL CHECK (state IN ('published', 'submitted', 'upheld', 'rejected')),
    submitted_at        TEXT        NOT NULL,
    due_on              TEXT        NULL,
    decided_by          TEXT        NULL,
    decided_at          TEXT        NULL,
    decision_reason     TEXT        NULL,
    amended_version     INTEGER     NULL,
    amended_on          TEXT        NULL,
    reminded            TEXT        NULL,
    version             INTEGER     NOT NULL
);

CREATE UNIQUE INDEX objections_one_open ON objections (inspection_id, result_version) WHERE state = 'submitted';
CREATE UNIQUE INDEX objections_one_statement ON objections (inspection_id, result_version) WHERE kind = 'statement';
CREATE INDEX objections_inspection ON objections (inspection_id);
CREATE INDEX objections_entity ON objections (entity_credit_code, submitted_at);
CREATE INDEX objections_department ON objections (lead_department, state, due_on);
CREATE INDEX objections_open_due ON objections (due_on) WHERE state = 'submitted';

CREATE TABLE objection_attachments (
    objection_id    TEXT    NOT NULL REFERENCES objections (objection_id),
    position        INTEGER NOT NULL,
    sha256          TEXT    NOT NULL REFERENCES evidence_files (sha256),
    file_name       TEXT    NOT NULL,
    media_type      TEXT    NOT NULL,
    size_bytes      INTEGER NOT NULL,
    PRIMARY KEY (objection_id, position)
);
