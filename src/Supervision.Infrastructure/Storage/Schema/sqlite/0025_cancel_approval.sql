-- Cancellation with approval and redraw links; see the PostgreSQL script.
ALTER TABLE draw_tasks ADD COLUMN cancel_request_json TEXT NULL;
ALTER TABLE draw_tasks ADD COLUMN replaces TEXT NULL;
ALTER TABLE draw_tasks ADD COLUMN replaced_by TEXT NULL;
