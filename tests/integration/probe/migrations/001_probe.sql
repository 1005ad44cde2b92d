CREATE TABLE probe_seen (
    event_id text PRIMARY KEY,
    participant_id text NOT NULL,
    attempt integer NOT NULL,
    final boolean NOT NULL
);
