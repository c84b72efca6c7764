-- The inspector side of a draw is fixed at freeze, before any entropy exists (docs/draw-service.md, "The inspector
-- pool"): the lead and participating departments' inspectors as they stood (status, certificate validity, qualifications,
-- open workload) and every conflict they had declared. The inspector draw uses this snapshot, not the live directory, so
-- nothing done after the seed is public (a conflict declared for a predicted team member, an inspector suspended) can
-- steer it. The hash of the inspectors list is published with the task at freeze and repeated in the pack.
ALTER TABLE draw_tasks ADD COLUMN inspectors_sha256 text NULL;

CREATE TABLE task_inspector_snapshots (
    task_id           text        PRIMARY KEY REFERENCES draw_tasks (task_id),
    inspectors_json   text        NOT NULL,   -- DrawPacks JSON of the inspectors list, the bytes the hash is taken of
    conflicts_json    text        NOT NULL,   -- every declared conflict of those inspectors (not published: only those with drawn entities are)
    inspectors_sha256 text        NOT NULL,
    frozen_at         timestamptz NOT NULL
);
