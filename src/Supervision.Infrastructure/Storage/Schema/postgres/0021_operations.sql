-- Long operations (docs/operations.md, "Long operations"): a freeze, a draw or a dispatch is accepted with 202 and runs
-- in the background on some silo, which holds a lease on the row while it works and renews it. A lease that runs out
-- while the state is still 'running' means that silo died: another silo claims the row and runs the (idempotent)
-- command again. At most one operation of a kind runs per target.
CREATE TABLE operations (
    operation_id    text        PRIMARY KEY,
    kind            text        NOT NULL,
    target          text        NOT NULL,
    department_code text        NOT NULL,
    state           text        NOT NULL CHECK (state IN ('running', 'succeeded', 'failed')),
    requested_by    text        NOT NULL,
    actor_json      text        NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    completed_at    timestamptz NULL,
    attempts        integer     NOT NULL,
    lease_owner     text        NULL,
    lease_until     timestamptz NULL,
    progress_json   text        NULL,
    result_json     text        NULL,
    problem_json    text        NULL,
    version         bigint      NOT NULL
);

CREATE UNIQUE INDEX operations_one_running ON operations (kind, target) WHERE state = 'running';
CREATE INDEX operations_claimable ON operations (lease_until) WHERE state = 'running';
CREATE INDEX operations_target ON operations (target, created_at);
