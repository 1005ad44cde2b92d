-- Per-session sums behind a report (issue 18, deliver 5): the counts that add up over
-- sessions (enrolment flags, outcomes, certificates, satisfaction, knowledge gain), one row
-- per session, so a report reads one row per session instead of every fact.
--
-- Kept equal to a recount from the facts by *dirty marks*, not by arithmetic on deltas:
-- every write to a fact a sum depends on logs the session in r_session_dirty (statement
-- triggers below, so the handlers, erasure, a rebuild's replay and the bench filler all go
-- through them), and `store.refresh_session_sums` recomputes the logged sessions from their
-- facts, deleting the marks it consumed in the same statement (same snapshot: a mark
-- committed later stays for the next refresh). Refreshes run one at a time (an advisory
-- lock), so a later refresh never has its newer sums overwritten by an older one. Facts
-- may arrive in any order: a sum is always a full recount of its session. A session
-- without a sums row has no facts.
CREATE TABLE r_session_sums (
    session_id text PRIMARY KEY,
    confirmed bigint NOT NULL,
    waitlisted bigint NOT NULL,
    rejected bigint NOT NULL,
    cancelled bigint NOT NULL,
    outcomes jsonb NOT NULL, -- outcome -> completions (only outcomes that occur)
    issued bigint NOT NULL,
    revoked bigint NOT NULL,
    respondents bigint NOT NULL,
    relevance bigint NOT NULL,
    will_improve_performance bigint NOT NULL,
    methodology bigint NOT NULL,
    content_quality bigint NOT NULL,
    gain_people bigint NOT NULL,
    pre numeric NOT NULL, -- exact sums, so a span's mean is the same whatever its sessions
    post numeric NOT NULL,
    gain numeric NOT NULL,
    gain_below_0 bigint NOT NULL,
    gain_0_to_9 bigint NOT NULL,
    gain_10_to_19 bigint NOT NULL,
    gain_20_to_29 bigint NOT NULL,
    gain_30_and_more bigint NOT NULL,
    refreshed_at timestamptz NOT NULL DEFAULT now()
);

-- Sessions whose sums are stale: insert-only (no unique key, so writers never wait on
-- each other here), emptied by the refresh.
CREATE TABLE r_session_dirty (
    session_id text NOT NULL
);
CREATE INDEX r_session_dirty_session ON r_session_dirty (session_id);

-- A consent change or an erasure marks every session of that person: found by these.
CREATE INDEX r_enrolment_participant ON r_enrolment (participant_id);
CREATE INDEX r_completion_participant ON r_completion (participant_id);
CREATE INDEX r_assessment_participant ON r_assessment (participant_id);
CREATE INDEX r_evaluation_respondent ON r_evaluation (respondent);
CREATE INDEX r_certificate_participant ON r_certificate (participant_id);

-- Cross-table dependencies race: a consent change must see an enrolment of that person
-- committed concurrently, or the refresh in between would count the enrolment with the
-- old consent and nobody would mark it again. So a fact write takes a shared lock on its
-- person (advisory, class 1801) and a profile change whose consent flips an exclusive one
-- before looking up the person's sessions: whichever commits second sees the other.
-- Certificates and revocations do the same on the certificate id (class 1802). A
-- statement of many rows (the bench filler, tests) locks the other table instead of
-- taking a lock per row (which would exhaust the lock table).
CREATE FUNCTION r_sums_mark(sessions text[], people text[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(people) > 100 THEN
        LOCK TABLE r_participant IN SHARE MODE;
    ELSE
        PERFORM pg_advisory_xact_lock_shared(1801, hashtext(p))
        FROM (SELECT DISTINCT p FROM unnest(people) AS p WHERE p IS NOT NULL ORDER BY 1) x;
    END IF;
    INSERT INTO r_session_dirty
    SELECT DISTINCT s FROM unnest(sessions) AS s WHERE s IS NOT NULL;
END $$;

-- Enrolments, completions and assessments: a session and a person per row.
CREATE FUNCTION r_sums_person_fact() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE sessions text[] := '{}'; people text[] := '{}';
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT sessions || array_agg(session_id), people || array_agg(participant_id)
        INTO sessions, people FROM new_rows;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT sessions || array_agg(session_id), people || array_agg(participant_id)
        INTO sessions, people FROM old_rows;
    END IF;
    PERFORM r_sums_mark(coalesce(sessions, '{}'), coalesce(people, '{}'));
    RETURN NULL;
END $$;

CREATE FUNCTION r_sums_evaluation() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE sessions text[] := '{}'; people text[] := '{}';
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT sessions || array_agg(session_id), people || array_agg(respondent)
        INTO sessions, people FROM new_rows;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT sessions || array_agg(session_id), people || array_agg(respondent)
        INTO sessions, people FROM old_rows;
    END IF;
    PERFORM r_sums_mark(coalesce(sessions, '{}'), coalesce(people, '{}'));
    RETURN NULL;
END $$;

CREATE FUNCTION r_sums_certificate() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE sessions text[] := '{}'; people text[] := '{}'; ids text[] := '{}';
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT sessions || array_agg(session_id), people || array_agg(participant_id),
               ids || array_agg(certificate_id)
        INTO sessions, people, ids FROM new_rows;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT sessions || array_agg(session_id), people || array_agg(participant_id),
               ids || array_agg(certificate_id)
        INTO sessions, people, ids FROM old_rows;
    END IF;
    IF cardinality(ids) > 100 THEN
        LOCK TABLE r_revocation IN SHARE MODE;
    ELSE
        PERFORM pg_advisory_xact_lock_shared(1802, hashtext(c))
        FROM (SELECT DISTINCT c FROM unnest(ids) AS c WHERE c IS NOT NULL ORDER BY 1) x;
    END IF;
    PERFORM r_sums_mark(coalesce(sessions, '{}'), coalesce(people, '{}'));
    RETURN NULL;
END $$;

-- A revocation may come before its certificate (then the certificate marks its session).
CREATE FUNCTION r_sums_revocation() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE ids text[] := '{}';
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT ids || array_agg(certificate_id) INTO ids FROM new_rows;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT ids || array_agg(certificate_id) INTO ids FROM old_rows;
    END IF;
    ids := coalesce(ids, '{}');
    IF cardinality(ids) > 100 THEN
        LOCK TABLE r_certificate IN SHARE MODE;
    ELSE
        PERFORM pg_advisory_xact_lock(1802, hashtext(c))
        FROM (SELECT DISTINCT c FROM unnest(ids) AS c WHERE c IS NOT NULL ORDER BY 1) x;
    END IF;
    INSERT INTO r_session_dirty
    SELECT DISTINCT session_id FROM r_certificate WHERE certificate_id = any(ids);
    RETURN NULL;
END $$;

-- Only a change of who is counted matters (a refusal of statistics, an erasure, a new
-- registration after one): every session holding a fact of that person is marked.
CREATE FUNCTION r_sums_participant() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE ids text[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(participant_id) INTO ids FROM new_rows WHERE NOT statistics;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT array_agg(n.participant_id) INTO ids
        FROM new_rows n JOIN old_rows o USING (participant_id) WHERE n.statistics <> o.statistics;
    ELSE
        SELECT array_agg(participant_id) INTO ids FROM old_rows WHERE NOT statistics;
    END IF;
    ids := coalesce(ids, '{}');
    IF cardinality(ids) = 0 THEN
        RETURN NULL;
    ELSIF cardinality(ids) > 100 THEN
        LOCK TABLE r_enrolment, r_completion, r_assessment, r_evaluation, r_certificate
            IN SHARE MODE;
    ELSE
        PERFORM pg_advisory_xact_lock(1801, hashtext(p))
        FROM (SELECT DISTINCT p FROM unnest(ids) AS p ORDER BY 1) x;
    END IF;
    INSERT INTO r_session_dirty
    SELECT session_id FROM r_enrolment WHERE participant_id = any(ids) AND session_id IS NOT NULL
    UNION SELECT session_id FROM r_completion WHERE participant_id = any(ids)
    UNION SELECT session_id FROM r_assessment WHERE participant_id = any(ids)
    UNION SELECT session_id FROM r_evaluation WHERE respondent = any(ids)
    UNION SELECT session_id FROM r_certificate WHERE participant_id = any(ids);
    RETURN NULL;
END $$;

-- A fact table emptied on its own (not by reset_projections, which empties the sums too):
-- every session with sums is recounted.
CREATE FUNCTION r_sums_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO r_session_dirty SELECT session_id FROM r_session_sums;
    RETURN NULL;
END $$;

DO $$
DECLARE t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES
        ('r_enrolment', 'r_sums_person_fact'), ('r_completion', 'r_sums_person_fact'),
        ('r_assessment', 'r_sums_person_fact'), ('r_evaluation', 'r_sums_evaluation'),
        ('r_certificate', 'r_sums_certificate'), ('r_revocation', 'r_sums_revocation'),
        ('r_participant', 'r_sums_participant')) AS v(tab, fn)
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION %I()', t.tab || '_sums_ins', t.tab, t.fn);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows '
                       'NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION %I()',
                       t.tab || '_sums_upd', t.tab, t.fn);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION %I()', t.tab || '_sums_del', t.tab, t.fn);
        EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION r_sums_truncated()',
                       t.tab || '_sums_trunc', t.tab);
    END LOOP;
END $$;

-- Facts already held: every session they name is counted at the first refresh.
INSERT INTO r_session_dirty
SELECT session_id FROM r_enrolment WHERE session_id IS NOT NULL
UNION SELECT session_id FROM r_completion UNION SELECT session_id FROM r_assessment
UNION SELECT session_id FROM r_evaluation UNION SELECT session_id FROM r_certificate;
