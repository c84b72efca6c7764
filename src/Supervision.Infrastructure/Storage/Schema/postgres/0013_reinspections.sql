-- Re-inspections (复查) after a correction order (docs/workflow.md, "Re-inspections"). One row per re-inspection
-- follow-up once its team has been drawn: the committed draw (record_json, recomputable by anyone holding the
-- task's pack), the inspection created from it, and the outcome for the correction order.
CREATE TABLE reinspections (
    action_key            text        PRIMARY KEY,             -- follow_ups.action_key of the re-inspection
    inspection_id         text        NOT NULL,                -- "{taskId}~recheck-{itemCode}/{entity}"
    source_inspection_id  text        NOT NULL,
    task_id               text        NOT NULL,
    entity_credit_code    text        NOT NULL,
    item_code             text        NOT NULL,
    department_code       text        NOT NULL,
    status                text        NOT NULL,                -- drawn assigned unstaffed
    record_json           text        NULL,                    -- ReinspectionDrawRecord; null while unstaffed
    failure               text        NULL,                    -- why no team could be formed (retried on the next run)
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL
);
CREATE UNIQUE INDEX reinspections_inspection ON reinspections (inspection_id);

-- The scheduler's query: open re-inspections whose window has begun.
CREATE INDEX follow_ups_due ON follow_ups (kind, status, not_before);
