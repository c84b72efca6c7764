-- When a task's dispatch began; see the PostgreSQL script.
ALTER TABLE draw_tasks ADD COLUMN dispatch_started_at TEXT NULL;
