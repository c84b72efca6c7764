-- Failed sign-ins per local account and client address (docs/operations.md, "Sign-in lockout"): failures counted
-- while they come less than the lockout duration apart, and until when that address may not sign in to that account.
-- Rows exist only for real accounts; a success deletes its row, a new password deletes the account's rows.
CREATE TABLE sign_in_failures (
    username     text        NOT NULL,
    client       text        NOT NULL,
    failures     integer     NOT NULL,
    locked_until timestamptz NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (username, client)
);
