-- The entity's right of reply and objection (docs/objections.md): through its signed link an entity sends, about one
-- published version of one of its results, a statement (published beside the result at once) or an objection (异议)
-- that the publishing (lead) department upholds or rejects within a deadline in working days. An upheld objection is
-- corrected through the amendment path; the publication of the amended version links it (amended_version), in the
-- publication's own transaction. Each row is what Core's ObjectionWorkflow decided, written with its audit line.
CREATE TABLE objections (
    objection_id        text        PRIMARY KEY,              -- "ob-" + hash of result, kind, text and files: the same content is one row
    kind                text        NOT NULL CHECK (kind IN ('statement', 'objection')),
    inspection_id       text        NOT NULL,
    result_version      integer     NOT NULL,                 -- the published version it is about ("{inspection_id}/v{result_version}")
    entity_credit_code  text        NOT NULL,
    lead_department     text        NOT NULL,                 -- the department that published the result and decides
    reason              text        NOT NULL,                 -- a statement: published; an objection: seen by the entity and the department
    state               text        NOT NULL CHECK (state IN ('published', 'submitted', 'upheld', 'rejected')),
    submitted_at        timestamptz NOT NULL,
    due_on              date        NULL,                     -- objections: Beijing date by which the department decides
    decided_by          text        NULL,                     -- never published
    decided_at          timestamptz NULL,
    decision_reason     text        NULL,                     -- published (required to reject)
    amended_version     integer     NULL,                     -- upheld: the amended version that corrected the result, once published
    amended_on          date        NULL,
    reminded            text        NULL,                     -- the last decision reminder sent (due-today, overdue)
    version             bigint      NOT NULL
);

-- One open objection and one statement per published version, whoever races to send them.
CREATE UNIQUE INDEX objections_one_open ON objections (inspection_id, result_version) WHERE state = 'submitted';
CREATE UNIQUE INDEX objections_one_statement ON objections (inspection_id, result_version) WHERE kind = 'statement';
CREATE INDEX objections_inspection ON objections (inspection_id);
CREATE INDEX objections_entity ON objections (entity_credit_code, submitted_at);
CREATE INDEX objections_department ON objections (lead_department, state, due_on);
CREATE INDEX objections_open_due ON objections (due_on) WHERE state = 'submitted';

-- The files sent with a submission: the bytes are evidence files (stored once per SHA-256); only the entity's link and the
-- deciding department reach them, never the public.
CREATE TABLE objection_attachments (
    objection_id    text    NOT NULL REFERENCES objections (objection_id),
    position        integer NOT NULL,
    sha256          text    NOT NULL REFERENCES evidence_files (sha256),
    file_name       text    NOT NULL,
    media_type      text    NOT NULL,
    size_bytes      bigint  NOT NULL,
    PRIMARY KEY (objection_id, position)
);
