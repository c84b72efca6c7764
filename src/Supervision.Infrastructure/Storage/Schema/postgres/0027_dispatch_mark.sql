-- Dispatch and replacement are serialised by the task (docs/draw-service.md, "Replacements"): the task records when
-- its dispatch began; a replacement before that changes the drawn team only, one after it changes the inspection too.
ALTER TABLE draw_tasks ADD COLUMN dispatch_started_at timestamptz NULL;
