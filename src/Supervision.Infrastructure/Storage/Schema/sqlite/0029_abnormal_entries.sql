-- The abnormal-operations register; see the PostgreSQL script.
CREATE TABLE abnormal_entries (
    entry_id                TEXT        PRIMARY KEY,
    entity_credit_code      TEXT        NOT NULL,
    ground                  TEXT        NOT NULL,
    source                  TEXT        NOT NULL CHECK (source IN ('finding', 'decision')),
    source_inspection_id    TEXT        NULL,
    source_version          INTEGER     NULL,
    department_code         TEXT        NOT NULL,
    facts                   TEXT        NULL,
    found_on                TEXT        NOT NULL,
    list_by                 TEXT        NOT NULL,
    state                   TEXT        NOT NULL CHECK (state IN ('pending', 'listed', 'removed', 'escalated', 'withdrawn')),
    listed_on               TEXT        NULL,
    listed_by               TEXT        NULL,
    decision_reference      TEXT        NULL,
    escalation_due_on       TEXT        NULL,
    escalated_on            TEXT        NULL,
    removal_state           TEXT        NULL CHECK (removal_state IN ('applied', 'approved', 'rejected')),
    removal_applied_at      TEXT        NULL,
    removal_applied_by      TEXT        NULL,
    removal_evidence        TEXT        NULL,
    removal_decided_by      TEXT        NULL,
    removal_decided_at      TEXT        NULL,
    removal_decision_reason TEXT        NULL,
    removed_on              TEXT        NULL,
    removed_basis           TEXT        NULL,
    overdue_notified_on     TEXT        NULL,
    created_by              TEXT        NOT NULL,
    created_at              TEXT        NOT NULL,
    version                 INTEGER     NOT NULL
);

CREATE UNIQUE INDEX abnormal_entries_finding ON abnormal_entries (source_inspection_id) WHERE source_inspection_id IS NOT NULL;
CREATE UNIQUE INDEX abnormal_entries_one_open ON abnormal_entries (entity_credit_code, ground) WHERE state IN ('pending', 'listed', 'escalated');
CREATE INDEX abnormal_entries_department ON abnormal_entries (department_code, state, list_by);
CREATE INDEX abnormal_entries_public ON abnormal_entries (listed_on, entry_id) WHERE listed_on IS NOT NULL;

INSERT INTO abnormal_entries (entry_id, entity_credit_code, ground, source, source_inspection_id, source_version, department_code, found_on, list_by,
    state, listed_on, listed_by, escalation_due_on, removed_on, removed_basis, created_by, created_at, version)
SELECT 'ab-' || lower(hex(randomblob(8))), l.entity_credit_code, 'unreachable',
       'finding', l.source_inspection_id, l.source_version, COALESCE(i.lead_department, ''), l.verified_on, l.list_by,
       CASE WHEN l.removed_on IS NULL THEN 'listed' WHEN l.removed_by_inspection = l.source_inspection_id THEN 'withdrawn' ELSE 'removed' END,
       CASE WHEN l.removed_by_inspection = l.source_inspection_id THEN NULL ELSE l.verified_on END, 'system:migration',
       CASE WHEN l.removed_by_inspection = l.source_inspection_id THEN NULL ELSE l.serious_alert_on END,
       CASE WHEN l.removed_by_inspection = l.source_inspection_id THEN NULL ELSE l.removed_on END,
       CASE WHEN l.removed_on IS NULL THEN NULL WHEN l.removed_by_inspection = l.source_inspection_id THEN 'amended ' || l.source_inspection_id
            ELSE 'inspection ' || l.removed_by_inspection END,
       'system:migration', l.updated_at, 1
FROM abnormal_listings l LEFT JOIN inspections i ON i.inspection_id = l.source_inspection_id
WHERE true
ON CONFLICT DO NOTHING;
