-- Joint tasks by consent (docs/draw-service.md, "Joint tasks"): each participating department's answer, as JSON
-- {"D2": {"decision": "accepted", "by": "…", "at": "…", "reason": null}}; the freeze needs every one accepted.
ALTER TABLE draw_tasks ADD COLUMN participation_json text NOT NULL DEFAULT '{}';
