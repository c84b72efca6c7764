-- The abnormal-operations sweep runs on every deadline-keeper tick. It looks for pending entries past their list-by date
-- not yet reminded and listed entries at their escalation date; a province's register holds hundreds of thousands of
-- listed entries for years, so each half of that search has a partial index of its own (AbnormalStore.DueForSweepAsync
-- asks the two halves separately).
CREATE INDEX abnormal_entries_overdue_unreminded ON abnormal_entries (list_by, entry_id) WHERE state = 'pending' AND overdue_notified_on IS NULL;
CREATE INDEX abnormal_entries_escalation_due ON abnormal_entries (escalation_due_on, entry_id) WHERE state = 'listed';
