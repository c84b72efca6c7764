-- The sweep's two partial indexes; see the PostgreSQL script.
CREATE INDEX abnormal_entries_overdue_unreminded ON abnormal_entries (list_by, entry_id) WHERE state = 'pending' AND overdue_notified_on IS NULL;
CREATE INDEX abnormal_entries_escalation_due ON abnormal_entries (escalation_due_on, entry_id) WHERE state = 'listed';
