-- Unexpected errors of an operation, apart from transient ones; see the PostgreSQL script.
ALTER TABLE operations ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
