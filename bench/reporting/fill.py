"""A large projection, written straight into the reporting tables (server-side
`INSERT ... SELECT generate_series`, no events): `enrolments` enrolments in country COM plus a
tenth as many in NER (which a COM report must skip), sessions of 25, with the facts a report
reads: profiles, decisions, completions, assessments, evaluations, certificates (1 % revoked),
notifications (3 % failed), and a few reschedules."""

from __future__ import annotations

import asyncpg
from cohort_reporting.store import refresh_session_sums

PER_SESSION = 25


async def fill(con: asyncpg.Connection, enrolments: int) -> dict[str, int]:
    other = enrolments // 10
    total = enrolments + other
    sessions = (total + PER_SESSION - 1) // PER_SESSION
    com_sessions = (enrolments + PER_SESSION - 1) // PER_SESSION
    await con.execute(
        "INSERT INTO r_course VALUES ('iom:bench-course', 'EMM2.0', false), "
        "('iom:bench-tot', 'EMM2.0', true)"
    )
    await con.execute(
        """INSERT INTO r_session
           SELECT 'iom:bs-' || s, 'iom', 'iom:bench-course',
                  CASE WHEN s < $2 THEN 'COM' ELSE 'NER' END,
                  (ARRAY['in_person', 'online', 'blended'])[1 + s % 3],
                  date '2024-01-01' + (s % 360), date '2024-01-05' + (s % 360),
                  ARRAY['government', 'civil_society'],
                  CASE WHEN s % 2 = 0 THEN ARRAY['Bench Donor'] ELSE ARRAY[]::text[] END,
                  ARRAY['iom:p-trainer-' || (s % 50)]
           FROM generate_series(0, $1 - 1) AS s""",
        sessions,
        com_sessions,
    )
    await con.execute(
        """INSERT INTO r_session_state
           SELECT 'iom:bs-' || s,
                  CASE WHEN s % 100 = 7 THEN timestamptz '2024-01-01' END,
                  CASE WHEN s % 100 <> 7 THEN timestamptz '2024-12-31' END,
                  CASE WHEN s % 100 <> 7 THEN 'close-' || s END
           FROM generate_series(0, $1 - 1) AS s""",
        sessions,
    )
    await con.execute(
        """INSERT INTO r_session_change
           SELECT 'resched-' || s, 'iom:bs-' || s, timestamptz '2023-12-01',
                  date '2024-01-02' + (s % 360), date '2024-01-06' + (s % 360), NULL
           FROM generate_series(0, $1 - 1, 97) AS s""",
        sessions,
    )
    # People: 4 in 5 enrolments are a new person; the rest come back for another session.
    people = total * 4 // 5
    await con.execute(
        """INSERT INTO r_participant
           SELECT 'iom:p-b' || i, timestamptz '2023-11-01',
                  (ARRAY['female', 'male', 'undisclosed'])[1 + (i % 7) / 3],
                  (ARRAY['government', 'civil_society', 'academia', 'private_sector'])[1 + i % 4],
                  (ARRAY['COM', 'MDG', 'FRA', 'SEN', 'NER'])[1 + i % 5],
                  (ARRAY['COM', 'FRA', 'NER'])[1 + i % 3],
                  i % 50 <> 0
           FROM generate_series(0, $1 - 1) AS i""",
        people,
    )
    await con.execute(
        """INSERT INTO r_participant
           SELECT 'iom:p-trainer-' || t, timestamptz '2023-11-01', 'female', 'government',
                  'SEN', 'SEN', true FROM generate_series(0, 49) AS t"""
    )
    await con.execute(
        """INSERT INTO r_trainer
           SELECT 'iom:p-trainer-' || t, 'EMM2.0', 'iom:cert-tot-' || t
           FROM generate_series(0, 24) AS t"""
    )
    # Enrolment i is in session i / 25, for person (i * 7919) % people.
    await con.execute(
        """INSERT INTO r_enrolment
           SELECT 'iom:e-b' || i, 'iom:bs-' || (i / 25), 'iom:p-b' || ((i::bigint * 7919) % $2),
                  i % 20 <> 19, i % 20 >= 18, i % 20 = 19, i % 40 = 3
           FROM generate_series(0, $1 - 1) AS i""",
        total,
        people,
    )
    await con.execute(
        """INSERT INTO r_completion
           SELECT e.enrolment_id, e.session_id, e.participant_id,
                  (ARRAY['completed', 'completed', 'completed', 'attended', 'not_completed'])
                    [1 + (hashtext(e.enrolment_id) & 1023) % 5], 0.9
           FROM r_enrolment e WHERE e.confirmed AND NOT e.cancelled"""
    )
    await con.execute(
        """INSERT INTO r_assessment
           SELECT c.session_id, c.participant_id, k.kind, timestamptz '2024-01-01',
                  CASE WHEN k.kind = 'pre' THEN 40 + (hashtext(c.enrolment_id) & 31)
                       ELSE 45 + (hashtext(c.enrolment_id || 'x') & 63) END
           FROM r_completion c CROSS JOIN (VALUES ('pre'), ('post')) AS k(kind)
           WHERE hashtext(c.enrolment_id) & 1 = 0"""
    )
    await con.execute(
        """INSERT INTO r_evaluation
           SELECT c.session_id, c.participant_id, timestamptz '2024-01-01',
                  3 + (h & 3) % 3, 2 + (h >> 2 & 3), 1 + (h >> 4 & 7) % 5, 2 + (h >> 7 & 3)
           FROM (SELECT *, hashtext(enrolment_id || 'e') AS h FROM r_completion
                 WHERE outcome <> 'not_completed') c
           WHERE c.h & 7 < 6
           ON CONFLICT DO NOTHING"""
    )
    await con.execute(
        """INSERT INTO r_certificate
           SELECT 'iom:cert-' || c.enrolment_id, c.session_id, c.participant_id, 'completion',
                  timestamptz '2024-06-10'
           FROM r_completion c WHERE c.outcome = 'completed'"""
    )
    await con.execute(
        """INSERT INTO r_revocation
           SELECT certificate_id, timestamptz '2024-07-01' FROM r_certificate
           WHERE hashtext(certificate_id) % 100 = 0"""
    )
    await con.execute(
        """INSERT INTO r_notification
           SELECT 'n-' || e.enrolment_id, CASE WHEN i % 33 = 0 THEN 'failed' ELSE 'sent' END,
                  e.participant_id, timestamptz '2024-01-01'
           FROM (SELECT enrolment_id, participant_id,
                        row_number() OVER () AS i FROM r_enrolment) e"""
    )
    await con.execute(
        """INSERT INTO r_provenance VALUES ('reporting-intake', $1, timestamptz '2023-11-01',
           timestamptz '2024-12-31')""",
        total * 4,
    )
    # The triggers of migration 090 marked every session; the per-session sums are counted
    # by the refresh a report would run (the same code path), here rather than in the
    # first timed report.
    await refresh_session_sums(con, None)
    await con.execute("ANALYZE")
    counts = {}
    for table in (
        "r_session",
        "r_participant",
        "r_enrolment",
        "r_completion",
        "r_assessment",
        "r_evaluation",
        "r_certificate",
        "r_notification",
    ):
        counts[table] = int(await con.fetchval(f"SELECT count(*) FROM {table}"))
    counts["com_enrolments"] = enrolments
    return counts
