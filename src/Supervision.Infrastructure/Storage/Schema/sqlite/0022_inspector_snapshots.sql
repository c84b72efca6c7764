-- The inspector side of a draw is fixed at freeze; see the PostgreSQL script.
ALTER TABLE draw_tasks ADD COLUMN inspectors_sha256 TEXT NULL;

CREATE TABLE task_inspector_snapshots (
    task_id           TEXT        PRIMARY KEY REFERENCES draw_tasks (task_id),
    inspectors_json   TEXT        NOT NULL,
    conflicts_json    TEXT        NOT NULL,
    inspectors_sha256 TEXT        NOT NULL,
    frozen_at         TEXT        NOT NULL
);
