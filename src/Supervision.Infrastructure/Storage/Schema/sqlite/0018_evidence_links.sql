-- Which inspection each evidence file was uploaded to (docs/workflow.md, "Evidence"). evidence_files holds the bytes once
-- per content hash; a file is reachable only through an inspection it was uploaded to: a draft may reference only hashes
-- linked to its own inspection, and a download needs the link too. Written by the upload, in its transaction.
CREATE TABLE evidence_links (
    inspection_id   TEXT        NOT NULL,
    sha256          TEXT        NOT NULL REFERENCES evidence_files (sha256),
    uploaded_by     TEXT        NOT NULL,
    uploaded_at     TEXT        NOT NULL,
    PRIMARY KEY (inspection_id, sha256)
);

-- Every upload so far wrote an audit line (inspection.evidence, subject = the inspection, after_json.sha256) whether or not
-- the bytes were new: those lines are the links. A hash that a draft names without such a line was never uploaded to it.
INSERT INTO evidence_links (inspection_id, sha256, uploaded_by, uploaded_at)
SELECT a.subject_key, json_extract(a.after_json, '$.sha256'), min(a.actor), min(a.at)
FROM audit_log a
JOIN evidence_files f ON f.sha256 = json_extract(a.after_json, '$.sha256')
WHERE a.action = 'inspection.evidence' AND a.subject_type = 'inspection'
GROUP BY a.subject_key, json_extract(a.after_json, '$.sha256');
