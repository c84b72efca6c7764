-- The last decision reminder sent for a recusal request, and the open requests by due date; see the PostgreSQL script.
ALTER TABLE recusal_requests ADD COLUMN reminded TEXT NULL;
CREATE INDEX recusal_requests_open_due ON recusal_requests (due_on) WHERE state = 'requested';
