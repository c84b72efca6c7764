-- A security stamp per account (docs/architecture.md, "Identity and access"; docs/operations.md, "Token lifetime and
-- revocation"): a random value carried in every token and web session the platform issues and compared with this
-- column on each request (through a cache of a few seconds). A new password, a disabled or re-enabled account and
-- changed roles, department or certificate number write a new stamp, which ends every sign-in of the account.
-- Existing accounts get a random stamp each; tokens and sessions issued before this script carry none and are
-- refused, so their users sign in again.
ALTER TABLE users ADD COLUMN security_stamp text NOT NULL DEFAULT replace(gen_random_uuid()::text, '-', '');
