-- Ownership: which agency each entity named in INTAKE belongs to (the first to publish it).
-- Written by the kit before a handler runs (see cohort_kit/ownership.py); never updated.
CREATE TABLE ownership (
    kind       text NOT NULL,            -- course, session, participant, enrolment, certificate
    entity_id  text NOT NULL,
    agency     text NOT NULL,
    event_id   text,                     -- the event that claimed it (NULL when backfilled)
    stream_seq bigint,                   -- its place in INTAKE
    claimed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, entity_id)
);
