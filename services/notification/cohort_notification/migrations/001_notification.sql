-- Facts the notification service keeps from intake and decisions (its own projection).
CREATE TABLE courses (
    course_id  text PRIMARY KEY,
    programme  text NOT NULL,
    title      jsonb NOT NULL
);

CREATE TABLE sessions (
    session_id      text PRIMARY KEY,
    agency          text NOT NULL,
    course_id       text NOT NULL,
    office          text NOT NULL,
    country         text NOT NULL,
    city            text NOT NULL,
    venue           text,
    start_date      date NOT NULL,
    end_date        date NOT NULL,
    timezone        text NOT NULL,
    mode            text NOT NULL,
    languages       text[] NOT NULL,
    organiser_email text NOT NULL,
    status          text NOT NULL DEFAULT 'scheduled',  -- scheduled, cancelled, closed
    cancel_reason   text
);

CREATE TABLE participants (
    participant_id     text PRIMARY KEY,
    agency             text NOT NULL,
    given_name         text NOT NULL,
    family_name        text NOT NULL,
    email              text NOT NULL,
    phone              text,
    preferred_language text NOT NULL,
    consent_contact    boolean NOT NULL
);

CREATE TABLE enrolments (
    enrolment_id   text PRIMARY KEY,
    session_id     text NOT NULL,
    participant_id text NOT NULL,
    status         text NOT NULL,  -- requested, confirmed, waitlisted, rejected, cancelled
    reason         text
);
CREATE INDEX enrolments_session ON enrolments (session_id);

-- One row per message to send: at most one per (cause event, recipient, channel).
CREATE TABLE deliveries (
    delivery_id     text PRIMARY KEY,
    cause_id        text NOT NULL,
    recipient       text NOT NULL,   -- participant id, or the organiser's address
    channel         text NOT NULL,   -- email, sms, webhook
    address         text NOT NULL,   -- e-mail address, phone number or URL
    template        text NOT NULL,
    language        text NOT NULL,
    agency          text NOT NULL,
    correlationid   text,
    session_id      text,
    participant_id  text,
    subject         text NOT NULL,
    body_text       text NOT NULL,
    body_html       text,
    attachments     jsonb NOT NULL DEFAULT '[]'::jsonb,
    status          text NOT NULL DEFAULT 'pending',  -- pending, sent, failed
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    claimed_until   timestamptz,
    in_doubt        boolean NOT NULL DEFAULT false,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    UNIQUE (cause_id, recipient, channel)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_participant ON deliveries (participant_id);
CREATE INDEX deliveries_session ON deliveries (session_id);

-- Reminder schedules placed in the NOTIFICATION stream (one schedule subject each).
CREATE TABLE reminders (
    schedule_subject text PRIMARY KEY,
    session_id       text NOT NULL,
    participant_id   text NOT NULL,
    label            text NOT NULL,
    due_at           timestamptz NOT NULL,
    start_date       date NOT NULL,
    state            text NOT NULL  -- scheduled, void, purged
);
CREATE INDEX reminders_void ON reminders (state) WHERE state = 'void';

-- What happened to an organiser's sessions, gathered into one daily digest.
CREATE TABLE digest_items (
    item_id         text PRIMARY KEY,   -- the cause event id
    organiser_email text NOT NULL,
    session_id      text NOT NULL,
    agency          text NOT NULL,
    day             date NOT NULL,
    kind            text NOT NULL,
    detail          jsonb NOT NULL DEFAULT '{}'::jsonb,
    digested        boolean NOT NULL DEFAULT false
);
CREATE INDEX digest_pending ON digest_items (day) WHERE NOT digested;
