-- The audit log made tamper-evident (docs/operations.md, "The audit chain"); see the PostgreSQL script.
CREATE TABLE audit_chain (
    id          INTEGER     PRIMARY KEY,
    prev_hash   TEXT        NOT NULL,
    hash        TEXT        NOT NULL,
    chained_at  TEXT        NOT NULL
);

-- The anchor of a day is the last line written before its end: found through this index, not by reading the log.
CREATE INDEX audit_log_at ON audit_log (at);

CREATE TABLE audit_anchors (
    day         TEXT        PRIMARY KEY,
    last_id     INTEGER     NOT NULL,
    hash        TEXT        NOT NULL,
    lines       INTEGER     NOT NULL,
    created_at  TEXT        NOT NULL
);

CREATE TRIGGER audit_chain_no_update BEFORE UPDATE ON audit_chain
BEGIN
    SELECT RAISE(ABORT, 'audit_chain is append-only');
END;
CREATE TRIGGER audit_chain_no_delete BEFORE DELETE ON audit_chain
BEGIN
    SELECT RAISE(ABORT, 'audit_chain is append-only');
END;
CREATE TRIGGER audit_anchors_no_update BEFORE UPDATE ON audit_anchors
BEGIN
    SELECT RAISE(ABORT, 'audit_anchors is append-only');
END;
CREATE TRIGGER audit_anchors_no_delete BEFORE DELETE ON audit_anchors
BEGIN
    SELECT RAISE(ABORT, 'audit_anchors is append-only');
END;
