-- Local accounts, the append-only audit log, and bulk-import jobs (SQLite flavour of the PostgreSQL script).

CREATE TABLE users (
    username                 TEXT    PRIMARY KEY,
    display_name             TEXT    NOT NULL,
    password_hash            TEXT    NULL,
    roles                    TEXT    NOT NULL,
    department_code          TEXT    NULL,
    inspector_certificate_no TEXT    NULL,
    external_subject         TEXT    NULL UNIQUE,
    must_change_password     INTEGER NOT NULL DEFAULT 0,
    disabled                 INTEGER NOT NULL DEFAULT 0,
    version                  INTEGER NOT NULL DEFAULT 1,
    created_at               TEXT    NOT NULL,
    updated_at               TEXT    NOT NULL
);

CREATE TABLE audit_log (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    at              TEXT    NOT NULL,
    actor           TEXT    NOT NULL,
    action          TEXT    NOT NULL,
    subject_type    TEXT    NOT NULL,
    subject_key     TEXT    NOT NULL,
    department_code TEXT    NULL,
    before_json     TEXT    NULL,
    after_json      TEXT    NULL
);
CREATE INDEX audit_log_subject ON audit_log (subject_type, subject_key, id);
CREATE INDEX audit_log_actor ON audit_log (actor, id);

-- Append-only: UPDATE and DELETE are refused.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TABLE import_jobs (
    id          TEXT    PRIMARY KEY,
    kind        TEXT    NOT NULL,
    file_name   TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    rows_read   INTEGER NOT NULL DEFAULT 0,
    inserted    INTEGER NOT NULL DEFAULT 0,
    updated     INTEGER NOT NULL DEFAULT 0,
    unchanged   INTEGER NOT NULL DEFAULT 0,
    rejected    INTEGER NOT NULL DEFAULT 0,
    flagged     INTEGER NOT NULL DEFAULT 0,
    bytes_read  INTEGER NOT NULL DEFAULT 0,
    sha256      TEXT    NULL,
    error       TEXT    NULL,
    actor       TEXT    NOT NULL,
    started_at  TEXT    NOT NULL,
    finished_at TEXT    NULL
);

CREATE TABLE import_errors (
    job_id TEXT    NOT NULL REFERENCES import_jobs (id),
    line   INTEGER NOT NULL,
    field  TEXT    NOT NULL,
    reason TEXT    NOT NULL,
    PRIMARY KEY (job_id, line, field)
);
