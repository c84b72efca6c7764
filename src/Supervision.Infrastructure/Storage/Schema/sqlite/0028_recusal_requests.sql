-- Recusal requests; see the PostgreSQL script.
CREATE TABLE recusal_requests (
    request_id          TEXT        PRIMARY KEY,
    inspection_id       TEXT        NOT NULL REFERENCES inspections (inspection_id),
    task_id             TEXT        NOT NULL,
    entity_credit_code  TEXT        NOT NULL,
    lead_department     TEXT        NOT NULL,
    certificate_no      TEXT        NOT NULL,
    grounds             TEXT        NULL,
    reason              TEXT        NOT NULL,
    state               TEXT        NOT NULL CHECK (state IN ('requested', 'accepted', 'rejected')),
    requested_at        TEXT        NOT NULL,
    due_on              TEXT        NOT NULL,
    decided_by          TEXT        NULL,
    decided_at          TEXT        NULL,
    decision_reason     TEXT        NULL,
    replacement         TEXT        NULL,
    version             INTEGER     NOT NULL
);

CREATE UNIQUE INDEX recusal_requests_one_open ON recusal_requests (inspection_id, certificate_no) WHERE state = 'requested';
CREATE INDEX recusal_requests_entity ON recusal_requests (entity_credit_code, requested_at);
CREATE INDEX recusal_requests_department ON recusal_requests (lead_department, state, due_on);
