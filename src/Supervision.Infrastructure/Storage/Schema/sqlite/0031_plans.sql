-- Annual inspection plans; see the PostgreSQL script.
CREATE TABLE plans (
    plan_id          TEXT        PRIMARY KEY,
    department_code  TEXT        NOT NULL REFERENCES departments (code),
    year             INTEGER     NOT NULL,
    revision         INTEGER     NOT NULL,
    state            TEXT        NOT NULL CHECK (state IN ('draft', 'approved', 'published')),
    lines_json       TEXT        NOT NULL,
    reason           TEXT        NULL,
    drafted_by       TEXT        NOT NULL,
    drafted_at       TEXT        NOT NULL,
    approved_by      TEXT        NULL,
    approved_at      TEXT        NULL,
    created_by       TEXT        NOT NULL,
    created_at       TEXT        NOT NULL,
    version          INTEGER     NOT NULL,
    UNIQUE (department_code, year)
);
CREATE INDEX plans_year ON plans (year, department_code);

CREATE TABLE plan_revisions (
    plan_id          TEXT        NOT NULL REFERENCES plans (plan_id),
    revision         INTEGER     NOT NULL,
    department_code  TEXT        NOT NULL,
    year             INTEGER     NOT NULL,
    lines_json       TEXT        NOT NULL,
    reason           TEXT        NULL,
    drafted_by       TEXT        NOT NULL,
    approved_by      TEXT        NOT NULL,
    approved_at      TEXT        NOT NULL,
    published_by     TEXT        NOT NULL,
    published_at     TEXT        NOT NULL,
    published_on     TEXT        NOT NULL,
    PRIMARY KEY (plan_id, revision)
);
CREATE INDEX plan_revisions_year ON plan_revisions (year, department_code, revision);

-- The tasks' plan and line, read from their definitions by PlanQueries with these very expressions.
CREATE INDEX draw_tasks_plan ON draw_tasks (json_extract(definition_json, '$.plan.planId'), CAST(json_extract(definition_json, '$.plan.line') AS INTEGER));
