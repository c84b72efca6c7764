-- Local accounts, the append-only audit log, and bulk-import jobs.

CREATE TABLE users (
    username                 text        PRIMARY KEY,
    display_name             text        NOT NULL,
    password_hash            text        NULL,           -- NULL for accounts that only sign in through single sign-on
    roles                    text        NOT NULL,       -- comma-separated: admin, scheduler, reviewer, inspector
    department_code          text        NULL,
    inspector_certificate_no text        NULL,
    external_subject         text        NULL UNIQUE,    -- the `sub` of a single-sign-on identity mapped to this account
    must_change_password     boolean     NOT NULL DEFAULT false,
    disabled                 boolean     NOT NULL DEFAULT false,
    version                  bigint      NOT NULL DEFAULT 1,
    created_at               timestamptz NOT NULL,
    updated_at               timestamptz NOT NULL
);

-- Who changed what, when, and what it looked like before and after. Rows are only ever inserted:
-- the triggers below turn any UPDATE, DELETE or TRUNCATE into an error.
CREATE TABLE audit_log (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at              timestamptz NOT NULL,
    actor           text        NOT NULL,
    action          text        NOT NULL,
    subject_type    text        NOT NULL,
    subject_key     text        NOT NULL,
    department_code text        NULL,
    before_json     text        NULL,
    after_json      text        NULL
);
CREATE INDEX audit_log_subject ON audit_log (subject_type, subject_key, id);
CREATE INDEX audit_log_actor ON audit_log (actor, id);

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END
$body$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

CREATE TABLE import_jobs (
    id          text        PRIMARY KEY,
    kind        text        NOT NULL,     -- 'entities' or 'inspectors'
    file_name   text        NOT NULL,
    status      text        NOT NULL,     -- 'running', 'completed', 'failed'
    rows_read   bigint      NOT NULL DEFAULT 0,
    inserted    bigint      NOT NULL DEFAULT 0,
    updated     bigint      NOT NULL DEFAULT 0,
    unchanged   bigint      NOT NULL DEFAULT 0,
    rejected    bigint      NOT NULL DEFAULT 0,
    flagged     bigint      NOT NULL DEFAULT 0,
    bytes_read  bigint      NOT NULL DEFAULT 0,
    sha256      text        NULL,
    error       text        NULL,
    actor       text        NOT NULL,
    started_at  timestamptz NOT NULL,
    finished_at timestamptz NULL
);

CREATE TABLE import_errors (
    job_id text   NOT NULL REFERENCES import_jobs (id),
    line   bigint NOT NULL,
    field  text   NOT NULL,
    reason text   NOT NULL,
    PRIMARY KEY (job_id, line, field)
);
