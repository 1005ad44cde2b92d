-- An enrolment request in one round trip when it can only be confirmed: the session's row
-- lock, the facts of `enrolment_request_facts` (migration 080), and, when those facts meet
-- a narrow, conservative part of `domain.decide_request`'s conditions for a seat, the
-- confirmed row on the lowest free seat. The facts returned are those from before the
-- insert, so the handler still decides in Python and only keeps the seat when its own
-- decision is `confirm` (it removes the row otherwise: see `store.request_seat`).
-- The lock comes first, in its own statement, so the counts are read after it is held.
CREATE FUNCTION enrolment_request_seat(
    p_session text, p_participant text, p_nominator text, p_enrolment text,
    p_agency text, p_queue_key bigint, p_requested_at timestamptz
) RETURNS TABLE (
    session_id text, agency text, course_id text, start_date date, end_date date,
    capacity integer, waitlist_capacity integer, nomination_quotas jsonb,
    enrolment_closes_at timestamptz, status text,
    confirmed bigint, waitlisted bigint, participant_live boolean, nominator_live bigint,
    participant_agency text, already_decided boolean, seat integer
) LANGUAGE sql VOLATILE AS $$
    SELECT 1 FROM sessions WHERE sessions.session_id = p_session FOR UPDATE;
    WITH f AS (
        SELECT * FROM enrolment_request_facts(p_session, p_participant, p_nominator, p_enrolment)
    ), taken AS (
        SELECT e.seat FROM enrolments e
         WHERE e.session_id = p_session AND e.status = 'confirmed'
    ), added AS (
        INSERT INTO enrolments (enrolment_id, session_id, participant_id, agency, nominated_by,
                                status, seat, queue_key, requested_at)
        SELECT p_enrolment, p_session, p_participant, p_agency, p_nominator, 'confirmed',
               (SELECT min(n) FROM generate_series(1, (SELECT count(*) + 1 FROM taken)) n
                 WHERE n NOT IN (SELECT t.seat FROM taken t)),
               coalesce(p_queue_key, nextval('enrolment_queue')), p_requested_at
          FROM f
         WHERE f.session_id IS NOT NULL AND f.status = 'scheduled'
           AND p_requested_at <= f.enrolment_closes_at
           AND NOT f.already_decided AND f.participant_agency IS NOT NULL
           AND NOT f.participant_live
           AND NOT coalesce(f.nomination_quotas ? coalesce(p_nominator, ''), false)
           AND f.confirmed < f.capacity
        RETURNING enrolments.seat
    )
    SELECT f.*, (SELECT a.seat FROM added a) FROM f;
$$;

-- A run of requests of one batch (the kit's `ahead`, docs/decisions/0008): each in stream
-- order exactly as `enrolment_request_seat` alone, in one round trip. A request whose
-- session saw an earlier request of the run that was not seated here is left out
-- (`prepared` false): that request's handler writes something (a waitlist place, a
-- rejection) that the later one must read, so the later handler reads for itself.
CREATE TYPE enrolment_request_outcome AS (
    n integer, prepared boolean,
    session_id text, agency text, course_id text, start_date date, end_date date,
    capacity integer, waitlist_capacity integer, nomination_quotas jsonb,
    enrolment_closes_at timestamptz, status text,
    confirmed bigint, waitlisted bigint, participant_live boolean, nominator_live bigint,
    participant_agency text, already_decided boolean, seat integer
);

CREATE FUNCTION enrolment_request_seats(
    p_sessions text[], p_participants text[], p_nominators text[], p_enrolments text[],
    p_agencies text[], p_queue_keys bigint[], p_times timestamptz[]
) RETURNS SETOF enrolment_request_outcome LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    r enrolment_request_outcome;
    unsettled text[] := '{}';
BEGIN
    FOR i IN 1 .. coalesce(array_length(p_sessions, 1), 0) LOOP
        IF p_sessions[i] = ANY (unsettled) THEN
            r := ROW(i, false, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                     NULL, NULL, NULL, NULL, NULL, NULL, NULL);
        ELSE
            SELECT i, true, f.* INTO r
              FROM enrolment_request_seat(p_sessions[i], p_participants[i], p_nominators[i],
                                          p_enrolments[i], p_agencies[i], p_queue_keys[i],
                                          p_times[i]) f;
            IF r.seat IS NULL THEN
                unsettled := unsettled || p_sessions[i];
            END IF;
        END IF;
        RETURN NEXT r;
    END LOOP;
END
$$;
