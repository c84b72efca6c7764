-- Failed sign-ins per local account (docs/operations.md, "Sign-in lockout"): consecutive failures since the last
-- success, and until when the account refuses every password after too many of them.
ALTER TABLE users ADD COLUMN failed_sign_ins integer NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until timestamptz NULL;
