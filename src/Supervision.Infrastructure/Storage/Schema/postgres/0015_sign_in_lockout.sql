-- Sign-in attempts per typed username and client address (docs/operations.md, "Sign-in lockout"): attempts counted
-- while they come less than the lockout duration apart, and until when that address may not sign in with that name.
-- A success deletes its row, a new password the account's rows; counts left over are swept a day later.
CREATE TABLE sign_in_failures (
    username     text        NOT NULL,
    client       text        NOT NULL,
    failures     integer     NOT NULL,
    locked_until timestamptz NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (username, client)
);
CREATE INDEX sign_in_failures_updated ON sign_in_failures (updated_at);
