-- The participant page: what the page shows, kept from events only.
-- Profiles (name, e-mail, language) from participant.registered; where and in which
-- languages a session is held from session.scheduled/rescheduled; course titles and
-- materials from course.published; certificates from certification.issued/revoked
-- (the enrolment-certificates consumer), never from the certification service's database.

ALTER TABLE participants
    ADD COLUMN given_name         text,
    ADD COLUMN family_name        text,
    ADD COLUMN email              text,
    ADD COLUMN preferred_language text;
-- Re-requests look people up by address, case-insensitively.
CREATE INDEX participants_by_email ON participants (lower(email));

ALTER TABLE sessions
    ADD COLUMN country   text,
    ADD COLUMN city      text,
    ADD COLUMN venue     text,
    ADD COLUMN timezone  text,
    ADD COLUMN mode      text,
    ADD COLUMN languages text[] NOT NULL DEFAULT '{}';

ALTER TABLE courses
    ADD COLUMN title     jsonb NOT NULL DEFAULT '{}',   -- {"en": "...", "fr": "..."}
    ADD COLUMN materials jsonb NOT NULL DEFAULT '[]';   -- [{"title": {...}, "url", "language"}]

CREATE TABLE certificates (
    certificate_id    text PRIMARY KEY,
    agency            text NOT NULL,
    participant_id    text NOT NULL,
    enrolment_id      text NOT NULL,
    session_id        text NOT NULL,
    course_id         text NOT NULL,
    kind              text NOT NULL,
    verification_code text NOT NULL,
    credential_url    text NOT NULL,
    pdf_url           text NOT NULL,
    issued_at         timestamptz NOT NULL
);
CREATE INDEX certificates_by_participant ON certificates (participant_id);

-- Kept apart from `certificates` so a revocation never depends on arriving after the issue.
CREATE TABLE certificate_revocations (
    certificate_id text PRIMARY KEY,
    reason         text NOT NULL,
    revoked_at     timestamptz NOT NULL
);

-- The last time a new link was e-mailed on request: re-requests are throttled per person.
CREATE TABLE link_requests (
    participant_id text PRIMARY KEY,
    requested_at   timestamptz NOT NULL
);
