-- Outbox: events a state change causes, committed in the same transaction as the change.
CREATE TABLE outbox (
    seq          bigserial PRIMARY KEY,
    event_id     text NOT NULL UNIQUE,
    subject      text NOT NULL,
    stream       text NOT NULL,
    body         bytea NOT NULL,
    headers      jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz,
    attempts     integer NOT NULL DEFAULT 0,
    last_error   text
);
CREATE INDEX outbox_unpublished ON outbox (seq) WHERE published_at IS NULL;

-- Inbox: the events each consumer has applied, recorded with their effect.
CREATE TABLE inbox (
    consumer   text NOT NULL,
    source     text NOT NULL,
    event_id   text NOT NULL,
    event_type text NOT NULL,
    stream_seq bigint,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, source, event_id)
);
