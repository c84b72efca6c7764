-- Imports as long operations (docs/operations.md, "Long operations"): an uploaded file is stored here, in chunks, before
-- its operation is accepted, so that an import answered 202 survives the API or the silo dying; the silo that holds the
-- operation's lease reads it back from here. The chunks are deleted when the operation ends; chunks whose upload was
-- never accepted (the client or the API went away mid-upload) are deleted by the sweepers after a day.
-- input_json: what the operation needs besides its target (an import's file name and size, a recomputation's instant).
ALTER TABLE operations ADD COLUMN input_json text NULL;

CREATE TABLE operation_uploads (
    upload_id   text        NOT NULL,
    seq         integer     NOT NULL,
    data        bytea       NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (upload_id, seq)
);

CREATE INDEX operation_uploads_created ON operation_uploads (created_at);
