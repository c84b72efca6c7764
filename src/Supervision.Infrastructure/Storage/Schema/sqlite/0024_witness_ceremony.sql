-- The witnessed seed ceremony of a task; see the PostgreSQL script.
ALTER TABLE draw_tasks ADD COLUMN ceremony_json TEXT NULL;
