-- The abnormal-operations list (经营异常名录) as a register (docs/abnormal-operations.md). An entry comes from an
-- inspection's finding (result code 6, written with the follow-up in the inspection's own transaction) or from a staff
-- decision on another legal ground; the deciding department lists it by its list-by date (working days), decides
-- removal applications, and the sweep flags an entry still listed after three years for the serious-violation list.
-- Each row is what Core's AbnormalWorkflow decided, written with its audit line and guarded by `version`.
-- `abnormal_listings` (0007) stays the finding's follow-up record; the credit events of the list are derived from here.
CREATE TABLE abnormal_entries (
    entry_id                text        PRIMARY KEY,
    entity_credit_code      text        NOT NULL,
    ground                  text        NOT NULL,                 -- annual-report publicity false-information unreachable
    source                  text        NOT NULL CHECK (source IN ('finding', 'decision')),
    source_inspection_id    text        NULL,                     -- finding: the inspection, and the result version
    source_version          integer     NULL,
    department_code         text        NOT NULL,                 -- the deciding department
    facts                   text        NULL,                     -- staff's account of a decision's grounds: never published
    found_on                date        NOT NULL,
    list_by                 date        NOT NULL,
    state                   text        NOT NULL CHECK (state IN ('pending', 'listed', 'removed', 'escalated', 'withdrawn')),
    listed_on               date        NULL,
    listed_by               text        NULL,
    decision_reference      text        NULL,                     -- the listing decision's number: published
    escalation_due_on       date        NULL,                     -- listed_on + 3 years
    escalated_on            date        NULL,
    removal_state           text        NULL CHECK (removal_state IN ('applied', 'approved', 'rejected')),
    removal_applied_at      timestamptz NULL,
    removal_applied_by      text        NULL,                     -- entity:{code} through its link, or a staff account
    removal_evidence        text        NULL,                     -- shown to the department and the entity, never published
    removal_decided_by      text        NULL,
    removal_decided_at      timestamptz NULL,
    removal_decision_reason text        NULL,
    removed_on              date        NULL,
    removed_basis           text        NULL,                     -- application | inspection {id} | amended {id}
    overdue_notified_on     date        NULL,                     -- the overdue reminder went out (once)
    created_by              text        NOT NULL,
    created_at              timestamptz NOT NULL,
    version                 bigint      NOT NULL
);

-- One entry per finding, and one open entry per entity and ground, whoever races to write it.
CREATE UNIQUE INDEX abnormal_entries_finding ON abnormal_entries (source_inspection_id) WHERE source_inspection_id IS NOT NULL;
CREATE UNIQUE INDEX abnormal_entries_one_open ON abnormal_entries (entity_credit_code, ground) WHERE state IN ('pending', 'listed', 'escalated');
CREATE INDEX abnormal_entries_department ON abnormal_entries (department_code, state, list_by);
CREATE INDEX abnormal_entries_public ON abnormal_entries (listed_on, entry_id) WHERE listed_on IS NOT NULL;

-- The listings recorded before the register existed counted as listed from their verification (their credit events
-- did): they enter as such, removed or retracted as they were. A finding's entry is found by its source inspection.
INSERT INTO abnormal_entries (entry_id, entity_credit_code, ground, source, source_inspection_id, source_version, department_code, found_on, list_by,
    state, listed_on, listed_by, escalation_due_on, removed_on, removed_basis, created_by, created_at, version)
SELECT 'ab-' || substr(md5('finding/' || l.source_inspection_id), 1, 16), l.entity_credit_code, 'unreachable',
       'finding', l.source_inspection_id, l.source_version, COALESCE(i.lead_department, ''), l.verified_on, l.list_by,
       CASE WHEN l.removed_on IS NULL THEN 'listed' WHEN l.removed_by_inspection = l.source_inspection_id THEN 'withdrawn' ELSE 'removed' END,
       CASE WHEN l.removed_by_inspection = l.source_inspection_id THEN NULL ELSE l.verified_on END, 'system:migration',
       CASE WHEN l.removed_by_inspection = l.source_inspection_id THEN NULL ELSE l.serious_alert_on END,
       CASE WHEN l.removed_by_inspection = l.source_inspection_id THEN NULL ELSE l.removed_on END,
       CASE WHEN l.removed_on IS NULL THEN NULL WHEN l.removed_by_inspection = l.source_inspection_id THEN 'amended ' || l.source_inspection_id
            ELSE 'inspection ' || l.removed_by_inspection END,
       'system:migration', l.updated_at, 1
FROM abnormal_listings l LEFT JOIN inspections i ON i.inspection_id = l.source_inspection_id
ON CONFLICT DO NOTHING;
