CREATE TABLE batch_seen (
    n bigserial PRIMARY KEY,
    event_id text NOT NULL,
    participant_id text NOT NULL,
    attempt integer NOT NULL,
    txid bigint NOT NULL
);
