-- The matching deadline (docs/draw-service.md, "The matching deadline"): inspectors are matched within a set number of
-- working days after the entity list arrives. The due date is computed from the entity draw's commit and the calendar
-- when read; the task only remembers the last reminder its schedulers were sent ('due-soon', 'overdue'), so each is sent once.
ALTER TABLE draw_tasks ADD COLUMN matching_reminded text NULL;
