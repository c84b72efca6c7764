-- A task whose draw has begun ends only with a second person's approval (docs/draw-service.md, "Cancelling and
-- redrawing"): the pending or decided request, and the links between a cancelled task and the task that redraws it.
ALTER TABLE draw_tasks ADD COLUMN cancel_request_json text NULL;
ALTER TABLE draw_tasks ADD COLUMN replaces text NULL;
ALTER TABLE draw_tasks ADD COLUMN replaced_by text NULL;
