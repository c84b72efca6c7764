-- Annual inspection plans (年度抽查计划, 国发〔2019〕5号; docs/planning.md). `plans` holds each department's plan for a
-- year in its working revision (draft, approved or published), as Core's PlanWorkflow decided it, written with its audit
-- line and guarded by `version`. Every revision that was published is kept for good in `plan_revisions`: the public pages,
-- the open data and the level above read only those. A plan's id is "{department}/{year}".
CREATE TABLE plans (
    plan_id          text        PRIMARY KEY,
    department_code  text        NOT NULL REFERENCES departments (code),
    year             integer     NOT NULL,
    revision         integer     NOT NULL,                 -- the working revision: 1, then one more per revision started
    state            text        NOT NULL CHECK (state IN ('draft', 'approved', 'published')),
    lines_json       text        NOT NULL,                 -- the working revision's lines (Core's PlanLine, JSON)
    reason           text        NULL,                     -- why this revision changes the published plan (none for the first)
    drafted_by       text        NOT NULL,                 -- who last edited the working revision (the approver must be another)
    drafted_at       timestamptz NOT NULL,
    approved_by      text        NULL,
    approved_at      timestamptz NULL,
    created_by       text        NOT NULL,
    created_at       timestamptz NOT NULL,
    version          bigint      NOT NULL,
    UNIQUE (department_code, year)
);
CREATE INDEX plans_year ON plans (year, department_code);

CREATE TABLE plan_revisions (
    plan_id          text        NOT NULL REFERENCES plans (plan_id),
    revision         integer     NOT NULL,
    department_code  text        NOT NULL,
    year             integer     NOT NULL,
    lines_json       text        NOT NULL,
    reason           text        NULL,
    drafted_by       text        NOT NULL,
    approved_by      text        NOT NULL,
    approved_at      timestamptz NOT NULL,
    published_by     text        NOT NULL,
    published_at     timestamptz NOT NULL,
    published_on     date        NOT NULL,                 -- Beijing date: the date the public reads
    PRIMARY KEY (plan_id, revision)
);
CREATE INDEX plan_revisions_year ON plan_revisions (year, department_code, revision);

-- A task's place in a plan lives in its definition ({"plan": {"planId", "line"}}): the writers of draw_tasks stay as they
-- are, and this index on the two values (the expressions PlanQueries uses, word for word) makes the plan's
-- planned-against-done counts index reads.
CREATE INDEX draw_tasks_plan ON draw_tasks (((definition_json::jsonb) #>> '{plan,planId}'), ((((definition_json::jsonb) #>> '{plan,line}'))::integer))
    WHERE ((definition_json::jsonb) #>> '{plan,planId}') IS NOT NULL;
