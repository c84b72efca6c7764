-- Recusal requests (docs/draw-service.md, "Recusal requests"): an entity asks, through its signed link, that one member
-- of a dispatched inspection's team step aside; the lead department accepts (the draw's replacement rule then names who
-- joins) or rejects with a reason the entity reads. Each row is what Core's RecusalWorkflow decided, written with its
-- audit line in one transaction and guarded by `version`.
CREATE TABLE recusal_requests (
    request_id          text        PRIMARY KEY,
    inspection_id       text        NOT NULL REFERENCES inspections (inspection_id),
    task_id             text        NOT NULL,
    entity_credit_code  text        NOT NULL,
    lead_department     text        NOT NULL,
    certificate_no      text        NOT NULL,                 -- the inspector asked to step aside
    grounds             text        NULL,                     -- kin, interest, prior-dealing, other
    reason              text        NOT NULL,                 -- the entity's words: shown to the entity and the department, never published
    state               text        NOT NULL CHECK (state IN ('requested', 'accepted', 'rejected')),
    requested_at        timestamptz NOT NULL,
    due_on              date        NOT NULL,                 -- Beijing date by which the department decides
    decided_by          text        NULL,
    decided_at          timestamptz NULL,
    decision_reason     text        NULL,                     -- shown to the entity
    replacement         text        NULL,                     -- the certificate the draw's rule named (accepted)
    version             bigint      NOT NULL
);

-- One open request per inspection and inspector, whoever races to file it.
CREATE UNIQUE INDEX recusal_requests_one_open ON recusal_requests (inspection_id, certificate_no) WHERE state = 'requested';
CREATE INDEX recusal_requests_entity ON recusal_requests (entity_credit_code, requested_at);
CREATE INDEX recusal_requests_department ON recusal_requests (lead_department, state, due_on);
