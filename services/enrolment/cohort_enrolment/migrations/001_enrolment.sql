-- The enrolment service's own state. Seats are decided here: every decision about a
-- session's seats runs in a transaction holding that session's row lock (FOR UPDATE).

CREATE TABLE courses (
    course_id            text PRIMARY KEY,
    agency               text NOT NULL,
    min_attendance_ratio double precision NOT NULL,
    pass_mark            double precision,
    evaluation_required  boolean NOT NULL,
    modules              text[] NOT NULL DEFAULT '{}',
    published_at         timestamptz NOT NULL
);

CREATE TABLE sessions (
    session_id          text PRIMARY KEY,
    agency              text NOT NULL,
    course_id           text NOT NULL,
    start_date          date NOT NULL,
    end_date            date NOT NULL,
    capacity            integer NOT NULL CHECK (capacity >= 0),
    waitlist_capacity   integer NOT NULL CHECK (waitlist_capacity >= 0),
    nomination_quotas   jsonb,
    enrolment_closes_at timestamptz NOT NULL,
    status              text NOT NULL DEFAULT 'scheduled'
                        CHECK (status IN ('scheduled', 'cancelled', 'closed')),
    closed_at           timestamptz
);

CREATE TABLE participants (
    participant_id text PRIMARY KEY,
    agency         text NOT NULL,
    organisation   text NOT NULL,
    registered_at  timestamptz NOT NULL
);

CREATE TABLE enrolments (
    enrolment_id   text PRIMARY KEY,
    session_id     text NOT NULL,
    participant_id text NOT NULL,
    agency         text NOT NULL,
    nominated_by   text,
    status         text NOT NULL
                   CHECK (status IN ('confirmed', 'waitlisted', 'rejected', 'cancelled')),
    seat           integer CHECK (seat >= 1),
    -- First come, first served: the request's sequence in INTAKE.
    queue_key      bigint NOT NULL,
    reason         text,
    promoted       boolean NOT NULL DEFAULT false,
    requested_at   timestamptz NOT NULL,
    CHECK ((status = 'confirmed') = (seat IS NOT NULL))
);
-- One live enrolment per participant and session; one holder per seat.
CREATE UNIQUE INDEX enrolments_one_live ON enrolments (session_id, participant_id)
    WHERE status IN ('confirmed', 'waitlisted');
CREATE UNIQUE INDEX enrolments_one_per_seat ON enrolments (session_id, seat)
    WHERE status = 'confirmed';
CREATE INDEX enrolments_by_session ON enrolments (session_id, status, queue_key);
CREATE INDEX enrolments_by_participant ON enrolments (participant_id);

-- Fallback order for requests without a stream sequence.
CREATE SEQUENCE enrolment_queue;

CREATE TABLE attendance (
    session_id     text NOT NULL,
    participant_id text NOT NULL,
    day            date NOT NULL,
    module         text NOT NULL DEFAULT '',  -- '' = the whole day
    present        boolean NOT NULL,
    recorded_at    timestamptz NOT NULL,
    PRIMARY KEY (session_id, participant_id, day, module)
);

CREATE TABLE assessments (
    session_id     text NOT NULL,
    participant_id text NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('pre', 'post')),
    score          double precision NOT NULL,
    recorded_at    timestamptz NOT NULL,
    PRIMARY KEY (session_id, participant_id, kind)
);

CREATE TABLE evaluations (
    session_id     text NOT NULL,
    participant_id text NOT NULL,
    PRIMARY KEY (session_id, participant_id)
);

-- The last completion emitted per enrolment: a later change emits a corrected one.
CREATE TABLE completions (
    enrolment_id     text PRIMARY KEY,
    outcome          text NOT NULL,
    attendance_ratio double precision NOT NULL,
    pre_score        double precision,
    post_score       double precision,
    revision         integer NOT NULL DEFAULT 1
);
