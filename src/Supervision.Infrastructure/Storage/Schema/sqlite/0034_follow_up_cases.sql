-- Follow-up cases; see the PostgreSQL script.
CREATE TABLE follow_up_cases (
    case_id             TEXT        PRIMARY KEY,
    entity_credit_code  TEXT        NOT NULL,
    task_id             TEXT        NOT NULL,
    inspection_id       TEXT        NOT NULL,
    item_code           TEXT        NOT NULL,
    result_codes        TEXT        NOT NULL,
    finding_version     INTEGER     NOT NULL,
    department_code     TEXT        NOT NULL,
    facts               TEXT        NULL,
    found_on            TEXT        NOT NULL,
    decide_by           TEXT        NOT NULL,
    state               TEXT        NOT NULL CHECK (state IN ('open', 'filed', 'referred', 'concluded', 'withdrawn')),
    case_number         TEXT        NULL,
    legal_ground        TEXT        NULL,
    handler_department  TEXT        NULL,
    filed_on            TEXT        NULL,
    conclude_by         TEXT        NULL,
    referral_kind       TEXT        NULL CHECK (referral_kind IN ('department', 'judicial', 'public-security', 'authority')),
    referred_to         TEXT        NULL,
    referral_reason     TEXT        NULL,
    referred_on         TEXT        NULL,
    answer_by           TEXT        NULL,
    outcome             TEXT        NULL CHECK (outcome IN ('penalty', 'no-penalty', 'not-filed', 'referral-accepted', 'referral-returned')),
    penalty_fen         INTEGER     NULL,
    decision_number     TEXT        NULL,
    reason              TEXT        NULL,
    closed_on           TEXT        NULL,
    closed_by           TEXT        NULL,
    reminded            TEXT        NULL,
    opened_by           TEXT        NOT NULL,
    opened_at           TEXT        NOT NULL,
    updated_at          TEXT        NOT NULL,
    version             INTEGER     NOT NULL
);

CREATE UNIQUE INDEX follow_up_cases_finding ON follow_up_cases (inspection_id, item_code);
CREATE INDEX follow_up_cases_department ON follow_up_cases (department_code, state, opened_at);
CREATE INDEX follow_up_cases_open ON follow_up_cases (state, case_id) WHERE state IN ('open', 'filed', 'referred');

CREATE TABLE follow_up_case_outcomes (
    seq                 INTEGER     PRIMARY KEY AUTOINCREMENT,
    case_id             TEXT        NOT NULL UNIQUE,
    entity_credit_code  TEXT        NOT NULL,
    inspection_id       TEXT        NOT NULL,
    item_code           TEXT        NOT NULL,
    department_code     TEXT        NOT NULL,
    outcome             TEXT        NOT NULL,
    penalty_fen         INTEGER     NULL,
    decision_number     TEXT        NULL,
    concluded_on        TEXT        NOT NULL,
    recorded_at         TEXT        NOT NULL
);
