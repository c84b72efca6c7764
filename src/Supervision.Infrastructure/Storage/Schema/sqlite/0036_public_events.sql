-- SQLite flavour of postgres/0036_public_events.sql (docs/webhooks.md). SQLite has one writer, so seq order is commit order.
CREATE TABLE public_events (
    seq                 INTEGER     PRIMARY KEY AUTOINCREMENT,
    event_id            TEXT        NOT NULL UNIQUE,
    kind                TEXT        NOT NULL,
    entity_credit_code  TEXT        NULL,
    entity_name         TEXT        NULL,
    department          TEXT        NOT NULL,
    division_code       TEXT        NULL,
    task_id             TEXT        NULL,
    occurred_at         TEXT        NOT NULL,
    payload_json        TEXT        NOT NULL
);
CREATE INDEX public_events_entity ON public_events (entity_credit_code, seq);
CREATE INDEX public_events_department ON public_events (department, seq);
CREATE INDEX public_events_division ON public_events (division_code, seq);

CREATE TABLE webhook_subscriptions (
    subscription_id     TEXT        PRIMARY KEY,
    owner               TEXT        NOT NULL,
    url                 TEXT        NOT NULL,
    filter_kind         TEXT        NOT NULL,
    filter_value        TEXT        NULL,
    secret              TEXT        NOT NULL,
    state               TEXT        NOT NULL,
    cursor_seq          INTEGER     NOT NULL,
    created_by          TEXT        NOT NULL,
    created_at          TEXT        NOT NULL,
    disabled_at         TEXT        NULL,
    version             INTEGER     NOT NULL
);
CREATE INDEX webhook_subscriptions_owner ON webhook_subscriptions (owner, created_at);

CREATE TABLE webhook_deliveries (
    subscription_id     TEXT        NOT NULL REFERENCES webhook_subscriptions (subscription_id),
    event_seq           INTEGER     NOT NULL REFERENCES public_events (seq),
    state               TEXT        NOT NULL,
    attempts            INTEGER     NOT NULL,
    next_attempt_at     TEXT        NOT NULL,
    delivered_at        TEXT        NULL,
    PRIMARY KEY (subscription_id, event_seq)
);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (next_attempt_at, subscription_id, event_seq) WHERE state = 'pending';

CREATE TABLE webhook_attempts (
    subscription_id     TEXT        NOT NULL,
    event_seq           INTEGER     NOT NULL,
    attempt             INTEGER     NOT NULL,
    attempted_at        TEXT        NOT NULL,
    status_code         INTEGER     NULL,
    error               TEXT        NULL,
    succeeded           INTEGER     NOT NULL,
    PRIMARY KEY (subscription_id, event_seq, attempt),
    FOREIGN KEY (subscription_id, event_seq) REFERENCES webhook_deliveries (subscription_id, event_seq)
);
CREATE UNIQUE INDEX webhook_attempts_one_success ON webhook_attempts (subscription_id, event_seq) WHERE succeeded = 1;
