-- Follow-up cases (立案 and referral; docs/follow-up-cases.md). A case is opened from a violation found at one item of an
-- approved inspection (one per inspection and item) and owned by the department that owns the item; it is filed with a
-- case number, or referred to another department or an outside body, or concluded as not filed, each by a deadline in
-- working days (Supervision:Cases); it concludes with an outcome or is withdrawn. Each row is what Core's CaseWorkflow
-- decided, written with its audit line and guarded by `version`.
CREATE TABLE follow_up_cases (
    case_id             text        PRIMARY KEY,
    entity_credit_code  text        NOT NULL,
    task_id             text        NOT NULL,
    inspection_id       text        NOT NULL,
    item_code           text        NOT NULL,
    result_codes        text        NOT NULL,                 -- the finding's codes, comma-separated
    finding_version     integer     NOT NULL,                 -- the result version the case was opened from
    department_code     text        NOT NULL,                 -- the owning department (the item's)
    facts               text        NULL,
    found_on            date        NOT NULL,                 -- the approval date of the finding
    decide_by           date        NOT NULL,
    state               text        NOT NULL CHECK (state IN ('open', 'filed', 'referred', 'concluded', 'withdrawn')),
    case_number         text        NULL,
    legal_ground        text        NULL,
    handler_department  text        NULL,
    filed_on            date        NULL,
    conclude_by         date        NULL,
    referral_kind       text        NULL CHECK (referral_kind IN ('department', 'judicial', 'public-security', 'authority')),
    referred_to         text        NULL,                     -- a department code, or the outside body's name
    referral_reason     text        NULL,
    referred_on         date        NULL,
    answer_by           date        NULL,
    outcome             text        NULL CHECK (outcome IN ('penalty', 'no-penalty', 'not-filed', 'referral-accepted', 'referral-returned')),
    penalty_fen         bigint      NULL,                     -- the penalty in fen (yuan × 100)
    decision_number     text        NULL,
    reason              text        NULL,
    closed_on           date        NULL,
    closed_by           text        NULL,
    reminded            text        NULL,                     -- the state whose overdue reminder went out (once per step)
    opened_by           text        NOT NULL,
    opened_at           timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    version             bigint      NOT NULL
);

CREATE UNIQUE INDEX follow_up_cases_finding ON follow_up_cases (inspection_id, item_code);
CREATE INDEX follow_up_cases_department ON follow_up_cases (department_code, state, opened_at);
-- What the deadline keeper's ticks look at: the open cases only.
CREATE INDEX follow_up_cases_open ON follow_up_cases (state, case_id) WHERE state IN ('open', 'filed', 'referred');

-- Each conclusion in commit order, for the credit feed (CaseQueries.ConcludedOutcomesAsync; docs/follow-up-cases.md).
CREATE TABLE follow_up_case_outcomes (
    seq                 bigserial   PRIMARY KEY,
    case_id             text        NOT NULL UNIQUE,
    entity_credit_code  text        NOT NULL,
    inspection_id       text        NOT NULL,
    item_code           text        NOT NULL,
    department_code     text        NOT NULL,
    outcome             text        NOT NULL,
    penalty_fen         bigint      NULL,
    decision_number     text        NULL,
    concluded_on        date        NOT NULL,
    recorded_at         timestamptz NOT NULL
);
