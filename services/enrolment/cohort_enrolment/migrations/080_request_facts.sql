-- What an enrolment request's decision reads, under the session's row lock, in one round
-- trip. A single SELECT ... FOR UPDATE cannot do it: its snapshot is taken before it waits
-- for the lock, so it would count the seats as they were before the replica that held the
-- lock committed. A VOLATILE function takes a fresh snapshot for each statement it runs,
-- so the second statement here reads after the lock is held, as two round trips did.
CREATE FUNCTION enrolment_request_facts(
    p_session text, p_participant text, p_nominator text, p_enrolment text
) RETURNS TABLE (
    session_id text, agency text, course_id text, start_date date, end_date date,
    capacity integer, waitlist_capacity integer, nomination_quotas jsonb,
    enrolment_closes_at timestamptz, status text,
    confirmed bigint, waitlisted bigint, participant_live boolean, nominator_live bigint,
    participant_agency text, already_decided boolean
) LANGUAGE sql VOLATILE AS $$
    SELECT 1 FROM sessions WHERE sessions.session_id = p_session FOR UPDATE;
    SELECT s.session_id, s.agency, s.course_id, s.start_date, s.end_date, s.capacity,
           s.waitlist_capacity, s.nomination_quotas, s.enrolment_closes_at, s.status,
           o.confirmed, o.waitlisted, o.participant_live, o.nominator_live,
           (SELECT p.agency FROM participants p WHERE p.participant_id = p_participant),
           EXISTS (SELECT 1 FROM enrolments e WHERE e.enrolment_id = p_enrolment)
      FROM (SELECT count(*) FILTER (WHERE e.status = 'confirmed') AS confirmed,
                   count(*) FILTER (WHERE e.status = 'waitlisted') AS waitlisted,
                   coalesce(bool_or(e.participant_id = p_participant), false)
                     AS participant_live,
                   count(*) FILTER (WHERE e.nominated_by = p_nominator) AS nominator_live
              FROM enrolments e
             WHERE e.session_id = p_session AND e.status IN ('confirmed', 'waitlisted')) o
      LEFT JOIN sessions s ON s.session_id = p_session;
$$;
