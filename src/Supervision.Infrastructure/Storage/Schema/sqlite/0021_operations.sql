-- Long operations (docs/operations.md, "Long operations"); see the PostgreSQL script.
CREATE TABLE operations (
    operation_id    TEXT        PRIMARY KEY,
    kind            TEXT        NOT NULL,
    target          TEXT        NOT NULL,
    department_code TEXT        NOT NULL,
    state           TEXT        NOT NULL CHECK (state IN ('running', 'succeeded', 'failed')),
    requested_by    TEXT        NOT NULL,
    actor_json      TEXT        NOT NULL,
    created_at      TEXT        NOT NULL,
    updated_at      TEXT        NOT NULL,
    completed_at    TEXT        NULL,
    attempts        INTEGER     NOT NULL,
    lease_owner     TEXT        NULL,
    lease_until     TEXT        NULL,
    progress_json   TEXT        NULL,
    result_json     TEXT        NULL,
    problem_json    TEXT        NULL,
    version         INTEGER     NOT NULL
);

CREATE UNIQUE INDEX operations_one_running ON operations (kind, target) WHERE state = 'running';
CREATE INDEX operations_claimable ON operations (lease_until) WHERE state = 'running';
CREATE INDEX operations_target ON operations (target, created_at);
