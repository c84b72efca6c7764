-- The last matching reminder sent for a task; see the PostgreSQL script.
ALTER TABLE draw_tasks ADD COLUMN matching_reminded TEXT NULL;
