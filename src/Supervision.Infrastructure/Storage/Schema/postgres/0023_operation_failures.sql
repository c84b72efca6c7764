-- An operation fails after five unexpected errors; transient failures (a database outage, a silo dying) are retried for
-- as long as they last and are not counted (docs/operations.md, "Long operations"). attempts keeps counting every claim.
ALTER TABLE operations ADD COLUMN failures integer NOT NULL DEFAULT 0;
