-- Alerts and feeds (docs/public-portal.md "Feeds", docs/webhooks.md): the public event log and webhook subscriptions.
--
-- public_events is an outbox: one row per public change (a task published, an entity on a drawn list, a result or an
-- amendment published, an abnormal-operations listing made public, escalated or removed), written by the transaction
-- that makes the change public (PublicEvents.AppendAsync). Appends take the publications' transaction-level advisory
-- lock, held to commit, so seq order is commit order: a reader that saw seq n never meets a lower seq committed later
-- (the webhook cursors rely on it). Rows are never updated. The payload holds only what the portal shows.
CREATE TABLE public_events (
    seq                 bigserial   PRIMARY KEY,
    event_id            text        NOT NULL UNIQUE,           -- stable id: Atom entry id, webhook Supervision-Event-Id
    kind                text        NOT NULL,                  -- PublicEventKinds
    entity_credit_code  text        NULL,                      -- the entity the change is about (null for a task)
    entity_name         text        NULL,
    department          text        NOT NULL,                  -- the lead or deciding department
    division_code       text        NULL,                      -- the entity's division (GB/T 2260); a task's population prefix
    task_id             text        NULL,
    occurred_at         timestamptz NOT NULL,
    payload_json        text        NOT NULL
);
CREATE INDEX public_events_entity ON public_events (entity_credit_code, seq);
CREATE INDEX public_events_department ON public_events (department, seq);
CREATE INDEX public_events_division ON public_events (division_code text_pattern_ops, seq);

-- A registered data user's webhook: where to send, what to send (filter), the signing secret, and the cursor over
-- public_events up to which events were queued as deliveries.
CREATE TABLE webhook_subscriptions (
    subscription_id     text        PRIMARY KEY,
    owner               text        NOT NULL,                  -- the data user's account
    url                 text        NOT NULL,
    filter_kind         text        NOT NULL,                  -- entity department area all
    filter_value        text        NULL,
    secret              text        NOT NULL,                  -- HMAC-SHA256 key, shown once at creation
    state               text        NOT NULL,                  -- active disabled
    cursor_seq          bigint      NOT NULL,                  -- events up to this seq are queued (or did not match)
    created_by          text        NOT NULL,
    created_at          timestamptz NOT NULL,
    disabled_at         timestamptz NULL,
    version             bigint      NOT NULL
);
CREATE INDEX webhook_subscriptions_owner ON webhook_subscriptions (owner, created_at);

-- One delivery per (subscription, event): pending until one attempt succeeds (exactly one recorded success) or the
-- attempts run out (failed).
CREATE TABLE webhook_deliveries (
    subscription_id     text        NOT NULL REFERENCES webhook_subscriptions (subscription_id),
    event_seq           bigint      NOT NULL REFERENCES public_events (seq),
    state               text        NOT NULL,                  -- pending succeeded failed
    attempts            integer     NOT NULL,
    next_attempt_at     timestamptz NOT NULL,
    delivered_at        timestamptz NULL,
    PRIMARY KEY (subscription_id, event_seq)
);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (next_attempt_at, subscription_id, event_seq) WHERE state = 'pending';

-- The delivery log: every attempt with its answer.
CREATE TABLE webhook_attempts (
    subscription_id     text        NOT NULL,
    event_seq           bigint      NOT NULL,
    attempt             integer     NOT NULL,
    attempted_at        timestamptz NOT NULL,
    status_code         integer     NULL,
    error               text        NULL,
    succeeded           boolean     NOT NULL,
    PRIMARY KEY (subscription_id, event_seq, attempt),
    FOREIGN KEY (subscription_id, event_seq) REFERENCES webhook_deliveries (subscription_id, event_seq)
);
CREATE UNIQUE INDEX webhook_attempts_one_success ON webhook_attempts (subscription_id, event_seq) WHERE succeeded;
