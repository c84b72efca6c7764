-- The audit log made tamper-evident (docs/operations.md, "The audit chain"). Each line of audit_log gets, in id order,
-- hash = SHA-256(previous hash ‖ the line's canonical text) (Core/Audit/AuditChain.cs); a changed, inserted or deleted
-- line breaks every hash after it. audit_anchors holds the chain's head at the end of each Beijing day, published on
-- the portal and in open data, so that a rewritten chain no longer matches what the public already saw. Both tables
-- are append-only, like audit_log.
CREATE TABLE audit_chain (
    id          bigint      PRIMARY KEY,            -- audit_log.id
    prev_hash   text        NOT NULL,
    hash        text        NOT NULL,
    chained_at  timestamptz NOT NULL
);

-- The anchor of a day is the last line written before its end: found through this index, not by reading the log.
CREATE INDEX audit_log_at ON audit_log (at);

CREATE TABLE audit_anchors (
    day         date        PRIMARY KEY,            -- Beijing date
    last_id     bigint      NOT NULL,               -- the last audit line of the day
    hash        text        NOT NULL,               -- its chain hash
    lines       bigint      NOT NULL,               -- lines chained through it
    created_at  timestamptz NOT NULL
);

CREATE FUNCTION audit_chain_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$body$;
CREATE TRIGGER audit_chain_append_only BEFORE UPDATE OR DELETE ON audit_chain
    FOR EACH ROW EXECUTE FUNCTION audit_chain_refuse_change();
CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain
    FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_refuse_change();
CREATE TRIGGER audit_anchors_append_only BEFORE UPDATE OR DELETE ON audit_anchors
    FOR EACH ROW EXECUTE FUNCTION audit_chain_refuse_change();
CREATE TRIGGER audit_anchors_no_truncate BEFORE TRUNCATE ON audit_anchors
    FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_refuse_change();
