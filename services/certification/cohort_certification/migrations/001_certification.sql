-- Facts kept from intake (latest version of each), as the payload JSON.
CREATE TABLE courses (
    course_id text PRIMARY KEY,
    agency text NOT NULL,
    data jsonb NOT NULL
);
CREATE TABLE sessions (
    session_id text PRIMARY KEY,
    agency text NOT NULL,
    data jsonb NOT NULL
);
CREATE TABLE participants (
    participant_id text PRIMARY KEY,
    agency text NOT NULL,
    data jsonb NOT NULL
);

-- Number sequence per agency and year; the row is locked by the UPDATE that takes a number.
CREATE TABLE number_counters (
    agency text NOT NULL,
    year int NOT NULL,
    last_value int NOT NULL,
    PRIMARY KEY (agency, year)
);
-- Next free index of each agency's status list.
CREATE TABLE status_counters (
    agency text PRIMARY KEY,
    last_index int NOT NULL
);

-- Every key an agency ever signed with: old public keys stay so old credentials verify.
-- `seed` is kept only for generated development keys; configured keys live in settings.
CREATE TABLE signing_keys (
    key_id text PRIMARY KEY,
    agency text NOT NULL,
    public_key_multibase text NOT NULL,
    seed bytea,
    active boolean NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    retired_at timestamptz
);
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (agency) WHERE active;

CREATE TABLE certificates (
    certificate_id text PRIMARY KEY,
    number text NOT NULL UNIQUE,
    verification_code text NOT NULL UNIQUE,
    agency text NOT NULL,
    enrolment_id text NOT NULL,
    kind text NOT NULL,
    participant_id text NOT NULL,
    course_id text NOT NULL,
    session_id text NOT NULL,
    issued_at timestamptz NOT NULL,
    status_index int NOT NULL,
    facts jsonb NOT NULL,
    credential jsonb NOT NULL,
    revoked_at timestamptz,
    revocation_reason text,
    superseded_by text,
    UNIQUE (agency, status_index)
);
-- One live certificate per (enrolment, kind): a reissue supersedes the old one.
CREATE UNIQUE INDEX certificates_one_per_enrolment_kind
    ON certificates (enrolment_id, kind) WHERE superseded_by IS NULL;
CREATE INDEX certificates_participant ON certificates (participant_id);

CREATE TABLE trainers (
    trainer_id text NOT NULL,
    programme text NOT NULL,
    agency text NOT NULL,
    country text,
    certificate_id text NOT NULL REFERENCES certificates (certificate_id),
    certified_at timestamptz NOT NULL,
    PRIMARY KEY (trainer_id, programme)
);
