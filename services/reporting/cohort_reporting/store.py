"""All the reporting service's SQL: projection upserts and the reads behind every report."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import asyncpg
from cohort_kit.access import held_rows

from .domain import (
    AGREE,
    ATTRIBUTES,
    GAIN_BUCKETS,
    RATINGS,
    Counts,
    Scope,
    SessionRow,
    cascade,
)

PROJECTION_TABLES = (
    "r_course",
    "r_session",
    "r_session_change",
    "r_session_state",
    "r_participant",
    "r_enrolment",
    "r_completion",
    "r_assessment",
    "r_evaluation",
    "r_certificate",
    "r_revocation",
    "r_trainer",
    "r_notification",
    "r_provenance",
)

# --- writes -------------------------------------------------------------------------------


async def note_event(con: asyncpg.Connection, consumer: str, at: datetime) -> None:
    await con.execute(
        """INSERT INTO r_provenance (consumer, events, first_time, last_time)
           VALUES ($1, 1, $2, $2)
           ON CONFLICT (consumer) DO UPDATE SET events = r_provenance.events + 1,
             first_time = least(r_provenance.first_time, $2),
             last_time = greatest(r_provenance.last_time, $2), applied_at = now()""",
        consumer,
        at,
    )


async def upsert_course(con: asyncpg.Connection, course_id: str, programme: str, tot: bool) -> None:
    await con.execute(
        """INSERT INTO r_course VALUES ($1, $2, $3) ON CONFLICT (course_id)
           DO UPDATE SET programme = $2, training_of_trainers = $3""",
        course_id,
        programme,
        tot,
    )


async def upsert_session(con: asyncpg.Connection, agency: str, s: Any) -> None:
    await con.execute(
        """INSERT INTO r_session VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (session_id) DO UPDATE SET agency = $2, course_id = $3, country = $4,
             mode = $5, start_date = $6, end_date = $7, audience = $8, donors = $9,
             facilitators = $10""",
        s.session_id,
        agency,
        s.course_id,
        s.country,
        s.mode,
        s.start_date,
        s.end_date,
        list(s.audience),
        sorted({f.donor for f in s.funding}),
        list(s.facilitators),
    )


async def add_session_change(
    con: asyncpg.Connection,
    event_id: str,
    session_id: str,
    at: datetime,
    start: date | None,
    end: date | None,
    mode: str | None,
) -> None:
    await con.execute(
        "INSERT INTO r_session_change VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        event_id,
        session_id,
        at,
        start,
        end,
        mode,
    )


async def mark_session(
    con: asyncpg.Connection,
    session_id: str,
    *,
    cancelled: datetime | None = None,
    closed: datetime | None = None,
    closed_event_id: str | None = None,
) -> None:
    await con.execute(
        """INSERT INTO r_session_state VALUES ($1, $2, $3, $4) ON CONFLICT (session_id)
           DO UPDATE SET cancelled_at = coalesce(r_session_state.cancelled_at, $2),
             closed_at = coalesce(r_session_state.closed_at, $3),
             closed_event_id = coalesce(r_session_state.closed_event_id, $4)""",
        session_id,
        cancelled,
        closed,
        closed_event_id,
    )


async def upsert_participant(con: asyncpg.Connection, at: datetime, p: Any) -> None:
    """The latest profile by event time wins, whatever order the updates arrive in."""
    await con.execute(
        """INSERT INTO r_participant VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (participant_id) DO UPDATE SET at = $2, sex = $3,
             organisation_kind = $4, nationality = $5, residence = $6, statistics = $7
           WHERE r_participant.at <= $2""",
        p.participant_id,
        at,
        p.sex,
        p.organisation.kind,
        p.nationality,
        p.country_of_residence,
        p.consent.statistics,
    )


async def mark_enrolment(
    con: asyncpg.Connection,
    enrolment_id: str,
    flag: str,
    session_id: str | None,
    participant_id: str | None,
) -> None:
    flags = {"confirmed", "waitlisted", "rejected", "cancelled"}
    if flag not in flags:
        raise ValueError(flag)
    values = [flag == f for f in ("confirmed", "waitlisted", "rejected", "cancelled")]
    await con.execute(
        """INSERT INTO r_enrolment VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (enrolment_id) DO UPDATE SET
             session_id = coalesce(r_enrolment.session_id, $2),
             participant_id = coalesce(r_enrolment.participant_id, $3),
             confirmed = r_enrolment.confirmed OR $4, waitlisted = r_enrolment.waitlisted OR $5,
             rejected = r_enrolment.rejected OR $6, cancelled = r_enrolment.cancelled OR $7""",
        enrolment_id,
        session_id,
        participant_id,
        *values,
    )


async def upsert_completion(con: asyncpg.Connection, c: Any) -> None:
    await con.execute(
        """INSERT INTO r_completion VALUES ($1, $2, $3, $4, $5) ON CONFLICT (enrolment_id)
           DO UPDATE SET outcome = $4, attendance_ratio = $5""",
        c.enrolment_id,
        c.session_id,
        c.participant_id,
        c.outcome,
        c.attendance_ratio,
    )


async def upsert_assessment(con: asyncpg.Connection, at: datetime, a: Any) -> None:
    await con.execute(
        """INSERT INTO r_assessment VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (session_id, participant_id, kind) DO UPDATE SET at = $4, score = $5
           WHERE r_assessment.at <= $4""",
        a.session_id,
        a.participant_id,
        a.kind,
        at,
        a.score,
    )


async def upsert_evaluation(con: asyncpg.Connection, at: datetime, respondent: str, e: Any) -> None:
    r = e.ratings
    await con.execute(
        """INSERT INTO r_evaluation VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (session_id, respondent) DO UPDATE SET at = $3, relevance = $4,
             will_improve_performance = $5, methodology = $6, content_quality = $7
           WHERE r_evaluation.at <= $3""",
        e.session_id,
        respondent,
        at,
        r.relevance,
        r.will_improve_performance,
        r.methodology,
        r.content_quality,
    )


async def upsert_certificate(con: asyncpg.Connection, c: Any) -> None:
    await con.execute(
        "INSERT INTO r_certificate VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        c.certificate_id,
        c.session_id,
        c.participant_id,
        c.kind,
        c.issued_at,
    )


async def add_revocation(con: asyncpg.Connection, certificate_id: str, at: datetime) -> None:
    await con.execute(
        "INSERT INTO r_revocation VALUES ($1, $2) ON CONFLICT DO NOTHING", certificate_id, at
    )


async def upsert_trainer(con: asyncpg.Connection, t: Any) -> None:
    await con.execute(
        """INSERT INTO r_trainer VALUES ($1, $2, $3) ON CONFLICT (trainer_id, programme)
           DO UPDATE SET certificate_id = least(r_trainer.certificate_id, $3)""",
        t.trainer_id,
        t.programme,
        t.certificate_id,
    )


async def add_notification(con: asyncpg.Connection, status: str, at: datetime, n: Any) -> None:
    await con.execute(
        "INSERT INTO r_notification VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        n.notification_id,
        status,
        n.recipient,
        at,
    )


async def reset_projections(con: asyncpg.Connection) -> None:
    """Empty every projection and the reporting consumers' inbox (before a rebuild)."""
    for table in PROJECTION_TABLES:
        await con.execute(f"TRUNCATE {table}")  # names from the constant above, never input
    await con.execute("DELETE FROM inbox WHERE consumer LIKE 'reporting-%'")


# --- reads --------------------------------------------------------------------------------

_SESSIONS = """
WITH s AS (
  SELECT s.session_id, s.agency, s.country, c.programme,
    coalesce(c.training_of_trainers, false) AS tot,
    coalesce((SELECT ch.start_date FROM r_session_change ch
              WHERE ch.session_id = s.session_id AND ch.start_date IS NOT NULL
              ORDER BY ch.at DESC, ch.event_id DESC LIMIT 1), s.start_date) AS start_date,
    coalesce((SELECT ch.end_date FROM r_session_change ch
              WHERE ch.session_id = s.session_id AND ch.end_date IS NOT NULL
              ORDER BY ch.at DESC, ch.event_id DESC LIMIT 1), s.end_date) AS end_date,
    coalesce((SELECT ch.mode FROM r_session_change ch
              WHERE ch.session_id = s.session_id AND ch.mode IS NOT NULL
              ORDER BY ch.at DESC, ch.event_id DESC LIMIT 1), s.mode) AS mode,
    s.audience, s.donors, s.facilitators,
    st.cancelled_at IS NOT NULL AS cancelled, st.closed_at IS NOT NULL AS closed
  FROM r_session s
  LEFT JOIN r_course c USING (course_id)
  LEFT JOIN r_session_state st USING (session_id)
)
SELECT * FROM s WHERE start_date BETWEEN $2 AND $3 AND {where} ORDER BY session_id
"""

_SCOPE_WHERE = {
    "country": "country = $1",
    "donor": "$1 = any(donors)",
    "programme": "programme = $1",
    "session": "session_id = $1",
}


async def load_sessions(
    con: asyncpg.Connection, scope: Scope, start: date, end: date
) -> list[SessionRow]:
    """The sessions of `scope` starting in [start, end] (after reschedules)."""
    sql = _SESSIONS.format(where=_SCOPE_WHERE[scope.kind])
    return [
        SessionRow(
            session_id=r["session_id"],
            country=r["country"],
            programme=r["programme"] or "unknown",
            training_of_trainers=r["tot"],
            mode=r["mode"],
            start_date=r["start_date"],
            end_date=r["end_date"],
            audience=tuple(r["audience"]),
            donors=tuple(r["donors"]),
            facilitators=tuple(r["facilitators"]),
            cancelled=r["cancelled"],
            closed=r["closed"],
        )
        for r in await con.fetch(sql, scope.value, start, end)
    ]


# Counting in SQL, the only counting path (a property test re-counts in Python to check it).
# `$1` is the scope's session ids. People who refused statistics are left out of every count.
_COUNTED = """NOT EXISTS (SELECT 1 FROM r_participant x
                 WHERE x.participant_id = {col} AND NOT x.statistics)"""

_TRAINED = f"""
SELECT grouping(sex) AS g_sex, grouping(organisation_kind) AS g_org,
       grouping(nationality) AS g_nat, grouping(residence) AS g_res,
       sex, organisation_kind, nationality, residence, count(*) AS n
FROM (SELECT coalesce(p.sex, 'unknown') AS sex,
             coalesce(p.organisation_kind, 'unknown') AS organisation_kind,
             coalesce(p.nationality, 'unknown') AS nationality,
             coalesce(p.residence, 'unknown') AS residence
      FROM (SELECT DISTINCT c.participant_id FROM r_completion c
            WHERE c.session_id = any($1::text[]) AND c.outcome IN ('completed', 'attended')
              AND {_COUNTED.format(col="c.participant_id")}) t
      LEFT JOIN r_participant p USING (participant_id)) a
GROUP BY GROUPING SETS ((), (sex), (organisation_kind), (nationality), (residence))
"""

_ENROLMENTS = f"""
SELECT count(*) FILTER (WHERE confirmed) AS confirmed,
       count(*) FILTER (WHERE waitlisted) AS waitlisted,
       count(*) FILTER (WHERE rejected) AS rejected,
       count(*) FILTER (WHERE cancelled) AS cancelled
FROM r_enrolment e WHERE e.session_id = any($1::text[])
  AND (e.participant_id IS NULL OR {_COUNTED.format(col="e.participant_id")})
"""

_OUTCOMES = f"""
SELECT outcome, count(*) AS n FROM r_completion c
WHERE c.session_id = any($1::text[]) AND {_COUNTED.format(col="c.participant_id")}
GROUP BY outcome
"""

_CERTIFICATES = f"""
SELECT count(*) AS issued, count(r.certificate_id) AS revoked
FROM r_certificate c LEFT JOIN r_revocation r USING (certificate_id)
WHERE c.session_id = any($1::text[]) AND {_COUNTED.format(col="c.participant_id")}
"""

_CASCADE = f"""
SELECT count(DISTINCT c.participant_id) FROM r_completion c
WHERE c.session_id = any($1::text[]) AND c.outcome IN ('completed', 'attended')
  AND {_COUNTED.format(col="c.participant_id")}
"""

_SATISFACTION = f"""
SELECT count(*) AS respondents,
       {", ".join(f"count(*) FILTER (WHERE {r} >= {AGREE}) AS {r}" for r in RATINGS)}
FROM r_evaluation e
WHERE e.session_id = any($1::text[]) AND {_COUNTED.format(col="e.respondent")}
"""


def _bucket(lo: int | None, hi: int | None) -> str:
    parts = ([f"gain >= {lo}"] if lo is not None else []) + (
        [f"gain < {hi}"] if hi is not None else []
    )
    return " AND ".join(parts)


_KNOWLEDGE = f"""
SELECT count(*) AS people, avg(pre) AS mean_pre, avg(post) AS mean_post,
       avg(gain) AS mean_gain,
       {
    ", ".join(f'count(*) FILTER (WHERE {_bucket(lo, hi)}) AS "{n}"' for n, lo, hi in GAIN_BUCKETS)
}
FROM (SELECT pre, post, post - pre AS gain
      FROM (SELECT max(score) FILTER (WHERE kind = 'pre') AS pre,
                   max(score) FILTER (WHERE kind = 'post') AS post
            FROM r_assessment a
            WHERE a.session_id = any($1::text[]) AND {_COUNTED.format(col="a.participant_id")}
            GROUP BY a.session_id, a.participant_id) s
      WHERE pre IS NOT NULL AND post IS NOT NULL) g
"""

_NOTIFICATIONS = f"""
SELECT count(*) FILTER (WHERE status = 'sent') AS sent,
       count(*) FILTER (WHERE status = 'failed') AS failed
FROM r_notification n
WHERE n.recipient IN (SELECT participant_id FROM r_enrolment
                      WHERE session_id = any($1::text[]) AND participant_id IS NOT NULL)
  AND {_COUNTED.format(col="n.recipient")}
"""

# The countries seen in the scope's period: the keys of the country breakdowns (they must
# not depend on who was trained, only on who took part at all).
_COUNTRIES = """
SELECT DISTINCT unnest(ARRAY[p.nationality, p.residence]) AS country
FROM r_participant p
WHERE p.statistics AND p.participant_id IN (
    SELECT participant_id FROM r_enrolment WHERE session_id = any($1::text[])
    UNION SELECT participant_id FROM r_completion WHERE session_id = any($1::text[]))
"""


async def count_facts(con: asyncpg.Connection, scope: Scope, start: date, end: date) -> Counts:
    """The counts behind a report for `scope` over sessions starting in [start, end]."""
    sessions = await load_sessions(con, scope, start, end)
    ids = [s.session_id for s in sessions]
    trained_by: dict[str, dict[str, int]] = {a: {} for a in ATTRIBUTES}
    trained = 0
    for r in await con.fetch(_TRAINED, ids):
        flags = (r["g_sex"], r["g_org"], r["g_nat"], r["g_res"])
        if all(flags):
            trained = r["n"]
            continue
        for attribute, grouped in zip(ATTRIBUTES, flags, strict=True):
            if not grouped:
                trained_by[attribute][r[attribute]] = r["n"]
    enrolments = dict(await con.fetchrow(_ENROLMENTS, ids))
    outcomes = {r["outcome"]: r["n"] for r in await con.fetch(_OUTCOMES, ids)}
    certificates = await con.fetchrow(_CERTIFICATES, ids)
    trainers = await con.fetch(
        """SELECT t.trainer_id, c.session_id FROM r_trainer t
           LEFT JOIN r_certificate c USING (certificate_id)
           WHERE NOT EXISTS (SELECT 1 FROM r_participant x
                             WHERE x.participant_id = t.trainer_id AND NOT x.statistics)"""
    )
    certified = {t["trainer_id"] for t in trainers}
    in_scope = set(ids)
    led = cascade(sessions, certified)
    satisfaction = await con.fetchrow(_SATISFACTION, ids)
    knowledge = await con.fetchrow(_KNOWLEDGE, ids)
    notifications = dict(await con.fetchrow(_NOTIFICATIONS, ids))

    def mean(value: Any) -> float | None:
        return float(value) if value is not None else None

    return Counts(
        sessions=sessions,
        trained=trained,
        trained_by={a: dict(sorted(v.items())) for a, v in trained_by.items()},
        enrolments=enrolments,
        outcomes=outcomes,
        certificates_issued=certificates["issued"],
        certificates_revoked=certificates["revoked"],
        trainers_certified=len({t["trainer_id"] for t in trainers if t["session_id"] in in_scope}),
        cascade_sessions=len(led),
        cascade_participants=int(await con.fetchval(_CASCADE, led)) if led else 0,
        respondents=satisfaction["respondents"],
        agree={r: satisfaction[r] for r in RATINGS},
        gain_people=knowledge["people"],
        mean_pre=mean(knowledge["mean_pre"]),
        mean_post=mean(knowledge["mean_post"]),
        mean_gain=mean(knowledge["mean_gain"]),
        distribution={n: knowledge[n] for n, _, _ in GAIN_BUCKETS},
        notifications=notifications,
        countries={r["country"] for r in await con.fetch(_COUNTRIES, ids) if r["country"]},
    )


async def provenance(con: asyncpg.Connection) -> dict[str, Any]:
    rows = await con.fetch(
        "SELECT consumer, events, first_time, last_time FROM r_provenance ORDER BY consumer"
    )
    return {
        "events_applied": {r["consumer"]: r["events"] for r in rows},
        "first_event_time": min((r["first_time"] for r in rows), default=None),
        "last_event_time": max((r["last_time"] for r in rows), default=None),
    }


async def sessions_due(con: asyncpg.Connection, quiet_seconds: float) -> list[asyncpg.Record]:
    """Closed sessions without a published summary, every live confirmed enrolment decided,
    and nothing applied for `quiet_seconds` (so late certificates are in too)."""
    return await con.fetch(
        """SELECT s.session_id, s.agency, s.country, s.donors, c.programme, s.start_date,
                  s.end_date, st.closed_at, st.closed_event_id
           FROM r_session_state st JOIN r_session s USING (session_id)
           LEFT JOIN r_course c USING (course_id)
           WHERE st.closed_at IS NOT NULL AND st.cancelled_at IS NULL
             AND NOT EXISTS (SELECT 1 FROM r_published p
                             WHERE p.report_key = 'session:' || s.session_id)
             AND NOT EXISTS (SELECT 1 FROM r_enrolment e
                             WHERE e.session_id = s.session_id AND e.confirmed
                               AND NOT e.cancelled
                               AND NOT EXISTS (SELECT 1 FROM r_completion k
                                               WHERE k.enrolment_id = e.enrolment_id))
             AND (SELECT max(applied_at) FROM r_provenance)
                 < now() - make_interval(secs => $1)
           ORDER BY st.closed_at, s.session_id""",
        quiet_seconds,
    )


async def mark_published(con: asyncpg.Connection, key: str, event_id: str) -> bool:
    return bool(
        await con.fetchval(
            """INSERT INTO r_published (report_key, event_id) VALUES ($1, $2)
               ON CONFLICT DO NOTHING RETURNING true""",
            key,
            event_id,
        )
    )


# --- erasure (see erasure.py) --------------------------------------------------------------


async def participant_agency(con: asyncpg.Connection, participant_id: str) -> str | None:
    """Reporting does not keep who registered a person; their enrolments' sessions tell.
    None when unknown: the id's namespace is checked by the kit rule then."""
    return await con.fetchval(  # type: ignore[no-any-return]
        """SELECT s.agency FROM r_enrolment e JOIN r_session s USING (session_id)
           WHERE e.participant_id = $1 LIMIT 1""",
        participant_id,
    )


async def forget_participant(con: asyncpg.Connection, participant_id: str, at: datetime) -> None:
    """Attributes gone, counted as refusing statistics; a later profile (a new
    registration after the erasure) wins again, as for any update. Erasing an erased
    profile changes nothing (a duplicate request ends in the same state)."""
    await con.execute(
        """INSERT INTO r_participant VALUES ($1, $2, 'undisclosed', '', '', '', false)
           ON CONFLICT (participant_id) DO UPDATE SET at = $2, sex = 'undisclosed',
             organisation_kind = '', nationality = '', residence = '', statistics = false
           WHERE r_participant.at <= $2 AND r_participant.nationality <> ''""",
        participant_id,
        at,
    )


async def export_participant(con: asyncpg.Connection, participant_id: str) -> dict[str, Any]:
    """Everything this service holds about one participant (right of access)."""
    return await held_rows(
        con,
        participant_id,
        {
            "profile": "SELECT * FROM r_participant WHERE participant_id = $1",
            "enrolments": "SELECT * FROM r_enrolment WHERE participant_id = $1",
            "completions": "SELECT * FROM r_completion WHERE participant_id = $1",
            "assessments": "SELECT * FROM r_assessment WHERE participant_id = $1",
            "evaluations": "SELECT * FROM r_evaluation WHERE respondent = $1",
            "certificates": "SELECT * FROM r_certificate WHERE participant_id = $1",
            "notifications": "SELECT * FROM r_notification WHERE recipient = $1",
        },
    )


async def keep_published(con: asyncpg.Connection, report: Any, scope: Scope, at: datetime) -> None:
    """The report as published (same transaction as its outbox row)."""
    await con.execute(
        """INSERT INTO r_published_report (report_id, scope_kind, scope_value, kind,
               published_at, payload) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (report_id) DO NOTHING""",
        report.report_id,
        scope.kind,
        scope.value,
        report.kind,
        at,
        report.model_dump(mode="json"),
    )


async def published_report(con: asyncpg.Connection, report_id: str) -> dict[str, Any] | None:
    row = await con.fetchrow(
        "SELECT payload FROM r_published_report WHERE report_id = $1", report_id
    )
    return dict(row["payload"]) if row else None


async def published_scopes(con: asyncpg.Connection) -> list[tuple[str, str]]:
    """Every (scope kind, scope value) that has a published report (the feed's audiences)."""
    rows = await con.fetch("SELECT DISTINCT scope_kind, scope_value FROM r_published_report")
    return [(r["scope_kind"], r["scope_value"]) for r in rows]


async def feed_position(
    con: asyncpg.Connection, report_id: str, scopes: list[tuple[str, str]]
) -> int | None:
    """The feed order of `report_id`, if it is a report of one of `scopes`."""
    return await con.fetchval(  # type: ignore[no-any-return]
        """SELECT feed_seq FROM r_published_report
           WHERE report_id = $1
             AND (scope_kind, scope_value) IN (SELECT * FROM unnest($2::text[], $3::text[]))""",
        report_id,
        [k for k, _ in scopes],
        [v for _, v in scopes],
    )


async def feed_page(
    con: asyncpg.Connection, scopes: list[tuple[str, str]], after: int, limit: int
) -> list[dict[str, Any]]:
    """Up to `limit` reports of `scopes` stored after feed position `after`, oldest first."""
    rows = await con.fetch(
        """SELECT feed_seq, report_id, scope_kind, scope_value, kind, published_at, payload
           FROM r_published_report
           WHERE feed_seq > $1
             AND (scope_kind, scope_value) IN (SELECT * FROM unnest($2::text[], $3::text[]))
           ORDER BY feed_seq LIMIT $4""",
        after,
        [k for k, _ in scopes],
        [v for _, v in scopes],
        limit,
    )
    return [dict(r) for r in rows]
