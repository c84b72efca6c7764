-- Failed sign-ins per local account and client address (docs/operations.md, "Sign-in lockout"): failures counted
-- while they come less than the lockout duration apart, and until when that address may not sign in to that account.
-- Rows exist only for real accounts; a success deletes its row, a new password deletes the account's rows.
CREATE TABLE sign_in_failures (
    username     TEXT    NOT NULL,
    client       TEXT    NOT NULL,
    failures     INTEGER NOT NULL,
    locked_until TEXT    NULL,
    updated_at   TEXT    NOT NULL,
    PRIMARY KEY (username, client)
);
