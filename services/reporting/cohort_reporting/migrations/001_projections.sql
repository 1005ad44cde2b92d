-- Reporting projections: facts keyed by their own id, so messages of different consumers
-- may arrive in any relative order; figures are computed from them at report time.
-- Only non-identifying attributes of people are kept (no names, e-mails or phones).

CREATE TABLE r_course (
    course_id text PRIMARY KEY,
    programme text NOT NULL,
    training_of_trainers boolean NOT NULL
);

CREATE TABLE r_session (
    session_id text PRIMARY KEY,
    agency text NOT NULL,
    course_id text NOT NULL,
    country text NOT NULL,
    mode text NOT NULL,
    start_date date NOT NULL,
    end_date date NOT NULL,
    audience text[] NOT NULL,
    donors text[] NOT NULL,
    facilitators text[] NOT NULL
);

-- Changes that may arrive before or after the schedule they change.
CREATE TABLE r_session_change (
    event_id text PRIMARY KEY,
    session_id text NOT NULL,
    at timestamptz NOT NULL,
    start_date date,
    end_date date,
    mode text
);

CREATE TABLE r_session_state (
    session_id text PRIMARY KEY,
    cancelled_at timestamptz,
    closed_at timestamptz,
    closed_event_id text
);

CREATE TABLE r_participant (
    participant_id text PRIMARY KEY,
    at timestamptz NOT NULL,
    sex text NOT NULL,
    organisation_kind text NOT NULL,
    nationality text NOT NULL,
    residence text NOT NULL,
    statistics boolean NOT NULL
);

CREATE TABLE r_enrolment (
    enrolment_id text PRIMARY KEY,
    session_id text,
    participant_id text,
    confirmed boolean NOT NULL DEFAULT false,
    waitlisted boolean NOT NULL DEFAULT false,
    rejected boolean NOT NULL DEFAULT false,
    cancelled boolean NOT NULL DEFAULT false
);

CREATE TABLE r_completion (
    enrolment_id text PRIMARY KEY,
    session_id text NOT NULL,
    participant_id text NOT NULL,
    outcome text NOT NULL,
    attendance_ratio double precision NOT NULL
);

CREATE TABLE r_assessment (
    session_id text NOT NULL,
    participant_id text NOT NULL,
    kind text NOT NULL,
    at timestamptz NOT NULL,
    score double precision NOT NULL,
    PRIMARY KEY (session_id, participant_id, kind)
);

CREATE TABLE r_evaluation (
    session_id text NOT NULL,
    respondent text NOT NULL, -- participant id, or the event id of an anonymous evaluation
    at timestamptz NOT NULL,
    relevance int NOT NULL,
    will_improve_performance int NOT NULL,
    methodology int NOT NULL,
    content_quality int NOT NULL,
    PRIMARY KEY (session_id, respondent)
);

CREATE TABLE r_certificate (
    certificate_id text PRIMARY KEY,
    session_id text NOT NULL,
    participant_id text NOT NULL,
    kind text NOT NULL,
    issued_at timestamptz NOT NULL
);

CREATE TABLE r_revocation (
    certificate_id text PRIMARY KEY,
    at timestamptz NOT NULL
);

CREATE TABLE r_trainer (
    trainer_id text NOT NULL,
    programme text NOT NULL,
    certificate_id text NOT NULL,
    PRIMARY KEY (trainer_id, programme)
);

CREATE TABLE r_notification (
    notification_id text NOT NULL,
    status text NOT NULL, -- sent | failed
    recipient text NOT NULL,
    at timestamptz NOT NULL,
    PRIMARY KEY (notification_id, status)
);

-- Provenance: how many events of each consumer the projections hold, and their time range.
CREATE TABLE r_provenance (
    consumer text PRIMARY KEY,
    events bigint NOT NULL,
    first_time timestamptz NOT NULL,
    last_time timestamptz NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);

-- Session summaries already put into the outbox.
CREATE TABLE r_published (
    report_key text PRIMARY KEY,
    event_id text NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX r_enrolment_session ON r_enrolment (session_id);
CREATE INDEX r_completion_session ON r_completion (session_id);
CREATE INDEX r_certificate_session ON r_certificate (session_id);
CREATE INDEX r_session_country ON r_session (country);
