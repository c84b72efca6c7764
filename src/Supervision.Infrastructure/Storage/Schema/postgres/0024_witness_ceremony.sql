-- The witnessed seed ceremony of a task (docs/draw-spec.md §3.3): the beacon named in its plan, the witnesses'
-- commitments, the close, their reveals and the beacon's value, as one JSON document. NULL for tasks frozen before it
-- (their seed is v1: entropy_json and beacon_json).
ALTER TABLE draw_tasks ADD COLUMN ceremony_json text NULL;
