-- Uploads staged for import operations, and the operations' inputs; see the PostgreSQL script.
ALTER TABLE operations ADD COLUMN input_json TEXT NULL;

CREATE TABLE operation_uploads (
    upload_id   TEXT        NOT NULL,
    seq         INTEGER     NOT NULL,
    data        BLOB        NOT NULL,
    created_at  TEXT        NOT NULL,
    PRIMARY KEY (upload_id, seq)
);

CREATE INDEX operation_uploads_created ON operation_uploads (created_at);
