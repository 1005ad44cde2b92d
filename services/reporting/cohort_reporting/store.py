"""All the reporting service's SQL: projection upserts and the reads behind every report."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import asyncpg
from cohort_kit.access import held_rows, tables_by_participant

from .domain import (
    AGREE,
    ATTRIBUTES,
    FLAGS,
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
    "r_session_sums",
    "r_session_dirty",
)

# --- writes -------------------------------------------------------------------------------


_NOTE = """INSERT INTO r_provenance (consumer, events, first_time, last_time)
           VALUES (${c}, 1, ${t}, ${t})
           ON CONFLICT (consumer) DO UPDATE SET events = r_provenance.events + 1,
             first_time = least(r_provenance.first_time, ${t}),
             last_time = greatest(r_provenance.last_time, ${t}), applied_at = now()"""

# (consumer, event time) of the event a write applies: counted in r_provenance by the same
# statement (a data-modifying CTE), one round trip per event instead of two.
Note = tuple[str, datetime]


async def note_event(con: asyncpg.Connection, consumer: str, at: datetime) -> None:
    await con.execute(_NOTE.format(c=1, t=2), consumer, at)


async def _write(con: asyncpg.Connection, sql: str, *args: Any, note: Note | None) -> None:
    """Run one projection write, and count its event in the same statement when `note`."""
    if note is None:
        await con.execute(sql, *args)
        return
    n = len(args)
    await con.execute(f"WITH fact AS ({sql}) {_NOTE.format(c=n + 1, t=n + 2)}", *args, *note)


async def upsert_course(
    con: asyncpg.Connection, course_id: str, programme: str, tot: bool, note: Note | None = None
) -> None:
    await _write(
        con,
        """INSERT INTO r_course VALUES ($1, $2, $3) ON CONFLICT (course_id)
           DO UPDATE SET programme = $2, training_of_trainers = $3""",
        course_id,
        programme,
        tot,
        note=note,
    )


async def upsert_session(
    con: asyncpg.Connection, agency: str, s: Any, note: Note | None = None
) -> None:
    await _write(
        con,
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
        note=note,
    )


async def add_session_change(
    con: asyncpg.Connection,
    event_id: str,
    session_id: str,
    at: datetime,
    start: date | None,
    end: date | None,
    mode: str | None,
    note: Note | None = None,
) -> None:
    await _write(
        con,
        "INSERT INTO r_session_change VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        event_id,
        session_id,
        at,
        start,
        end,
        mode,
        note=note,
    )


async def mark_session(
    con: asyncpg.Connection,
    session_id: str,
    *,
    cancelled: datetime | None = None,
    closed: datetime | None = None,
    closed_event_id: str | None = None,
    note: Note | None = None,
) -> None:
    await _write(
        con,
        """INSERT INTO r_session_state VALUES ($1, $2, $3, $4) ON CONFLICT (session_id)
           DO UPDATE SET cancelled_at = coalesce(r_session_state.cancelled_at, $2),
             closed_at = coalesce(r_session_state.closed_at, $3),
             closed_event_id = coalesce(r_session_state.closed_event_id, $4)""",
        session_id,
        cancelled,
        closed,
        closed_event_id,
        note=note,
    )


async def upsert_participant(
    con: asyncpg.Connection, at: datetime, p: Any, note: Note | None = None
) -> None:
    """The latest profile by event time wins, whatever order the updates arrive in."""
    await _write(
        con,
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
        note=note,
    )


async def mark_enrolment(
    con: asyncpg.Connection,
    enrolment_id: str,
    flag: str,
    session_id: str | None,
    participant_id: str | None,
    note: Note | None = None,
) -> None:
    flags = {"confirmed", "waitlisted", "rejected", "cancelled"}
    if flag not in flags:
        raise ValueError(flag)
    values = [flag == f for f in ("confirmed", "waitlisted", "rejected", "cancelled")]
    await _write(
        con,
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
        note=note,
    )


async def upsert_completion(con: asyncpg.Connection, c: Any, note: Note | None = None) -> None:
    await _write(
        con,
        """INSERT INTO r_completion VALUES ($1, $2, $3, $4, $5) ON CONFLICT (enrolment_id)
           DO UPDATE SET outcome = $4, attendance_ratio = $5""",
        c.enrolment_id,
        c.session_id,
        c.participant_id,
        c.outcome,
        c.attendance_ratio,
        note=note,
    )


async def upsert_assessment(
    con: asyncpg.Connection, at: datetime, a: Any, note: Note | None = None
) -> None:
    await _write(
        con,
        """INSERT INTO r_assessment VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (session_id, participant_id, kind) DO UPDATE SET at = $4, score = $5
           WHERE r_assessment.at <= $4""",
        a.session_id,
        a.participant_id,
        a.kind,
        at,
        a.score,
        note=note,
    )


async def upsert_evaluation(
    con: asyncpg.Connection, at: datetime, respondent: str, e: Any, note: Note | None = None
) -> None:
    r = e.ratings
    await _write(
        con,
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
        note=note,
    )


async def upsert_certificate(con: asyncpg.Connection, c: Any, note: Note | None = None) -> None:
    await _write(
        con,
        "INSERT INTO r_certificate VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        c.certificate_id,
        c.session_id,
        c.participant_id,
        c.kind,
        c.issued_at,
        note=note,
    )


async def add_revocation(
    con: asyncpg.Connection, certificate_id: str, at: datetime, note: Note | None = None
) -> None:
    await _write(
        con,
        "INSERT INTO r_revocation VALUES ($1, $2) ON CONFLICT DO NOTHING",
        certificate_id,
        at,
        note=note,
    )


async def upsert_trainer(con: asyncpg.Connection, t: Any, note: Note | None = None) -> None:
    await _write(
        con,
        """INSERT INTO r_trainer VALUES ($1, $2, $3) ON CONFLICT (trainer_id, programme)
           DO UPDATE SET certificate_id = least(r_trainer.certificate_id, $3)""",
        t.trainer_id,
        t.programme,
        t.certificate_id,
        note=note,
    )


async def add_notification(
    con: asyncpg.Connection, status: str, at: datetime, n: Any, note: Note | None = None
) -> None:
    await _write(
        con,
        "INSERT INTO r_notification VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        n.notification_id,
        status,
        n.recipient,
        at,
        note=note,
    )


async def reset_projections(con: asyncpg.Connection) -> None:
    """Empty every projection and the reporting consumers' inbox (before a rebuild)."""
    for table in PROJECTION_TABLES:
        await con.execute(f"TRUNCATE {table}")  # names from the constant above, never input
    await con.execute("DELETE FROM inbox WHERE consumer LIKE 'reporting-%'")


# --- reads --------------------------------------------------------------------------------

_SESSIONS = """
WITH ch AS (
  -- The latest reschedule of each attribute, all sessions in one pass (by time, then id).
  SELECT session_id,
    (array_agg(start_date ORDER BY at DESC, event_id DESC)
       FILTER (WHERE start_date IS NOT NULL))[1] AS start_date,
    (array_agg(end_date ORDER BY at DESC, event_id DESC)
       FILTER (WHERE end_date IS NOT NULL))[1] AS end_date,
    (array_agg(mode ORDER BY at DESC, event_id DESC) FILTER (WHERE mode IS NOT NULL))[1] AS mode
  FROM r_session_change GROUP BY session_id
), s AS (
  SELECT s.session_id, s.agency, s.country, c.programme,
    coalesce(c.training_of_trainers, false) AS tot,
    coalesce(ch.start_date, s.start_date) AS start_date,
    coalesce(ch.end_date, s.end_date) AS end_date,
    coalesce(ch.mode, s.mode) AS mode,
    s.audience, s.donors, s.facilitators,
    st.cancelled_at IS NOT NULL AS cancelled, st.closed_at IS NOT NULL AS closed
  FROM r_session s
  LEFT JOIN ch USING (session_id)
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

# Every query below counts all the spans of a report at once (the period and the nested
# periods the differencing rule compares it with): `$1`/`$2` pair each session id with the
# index of a span holding it (a session is in one span per level), `$3` is the distinct
# session ids. Counts that add up over sessions are made per session first, then summed per
# span; counts of distinct people are made per (span, person).
_SPANS = "unnest($1::text[], $2::int[]) AS sp(session_id, span)"

# Distinct people over many spans in one pass: each session carries the bit of its *leaf*
# (the sessions that lie in exactly the same spans), each person the OR of the leaves they
# were enrolled in / completed / trained in / trained in a led session; the people are then
# grouped by those masks and attributes (a few hundred rows), and a span counts a group when
# its leaves meet the group's mask. One scan of enrolments and completions for every span.
_PEOPLE = f"""
WITH sp AS (SELECT session_id, bits::varbit AS leaf, led
            FROM unnest($1::text[], $2::text[], $3::bool[]) AS sp(session_id, bits, led)),
u AS (SELECT e.participant_id, sp.leaf, sp.led, true AS enrolled, false AS trained
      FROM r_enrolment e JOIN sp USING (session_id) WHERE e.participant_id IS NOT NULL
      UNION ALL
      SELECT c.participant_id, sp.leaf, sp.led, false, c.outcome IN ('completed', 'attended')
      FROM r_completion c JOIN sp USING (session_id)),
per AS (SELECT participant_id, bit_or(leaf)::text AS seen,
               (bit_or(leaf) FILTER (WHERE trained))::text AS t,
               (bit_or(leaf) FILTER (WHERE enrolled))::text AS en,
               (bit_or(leaf) FILTER (WHERE trained AND led))::text AS tl
        FROM u WHERE {_COUNTED.format(col="u.participant_id")} GROUP BY participant_id),
sent AS (SELECT recipient AS participant_id, count(*) FILTER (WHERE status = 'sent') AS sent,
                count(*) FILTER (WHERE status = 'failed') AS failed
         FROM r_notification GROUP BY recipient)
SELECT grouping(t, seen, en, tl, known, sex, organisation_kind, nationality, residence) AS g,
       t, seen, en, tl, known,
       sex, organisation_kind, nationality, residence,
       count(*) AS n, sum(sent)::bigint AS sent, sum(failed)::bigint AS failed
FROM (SELECT per.*, p.participant_id IS NOT NULL AS known, coalesce(n.sent, 0) AS sent,
             coalesce(n.failed, 0) AS failed,
             coalesce(p.sex, 'unknown') AS sex,
             coalesce(p.organisation_kind, 'unknown') AS organisation_kind,
             coalesce(p.nationality, 'unknown') AS nationality,
             coalesce(p.residence, 'unknown') AS residence
      FROM per LEFT JOIN r_participant p USING (participant_id)
      LEFT JOIN sent n USING (participant_id)) a
GROUP BY GROUPING SETS ((t), (t, sex), (t, organisation_kind), (t, nationality), (t, residence),
                        (seen, known, nationality), (seen, known, residence), (en), (tl))
"""
# `grouping(...)` of each set above: a bit per column left out, first column highest.
_SETS = ("t", "seen", "en", "tl", "known", *ATTRIBUTES)


def _grouping(*kept: str) -> int:
    return sum(1 << (len(_SETS) - 1 - i) for i, c in enumerate(_SETS) if c not in kept)


# Counts that add up over sessions: one row per session in r_session_sums (migration
# 090), brought up to date from the facts by `refresh_session_sums` before a report reads
# them, then summed per span. The per-session recount is the query the report ran over
# every fact before (same filters, same exact numeric sums), now run only for the sessions
# whose facts changed since the last refresh.
def _bucket(lo: int | None, hi: int | None) -> str:
    parts = ([f"gain >= {lo}"] if lo is not None else []) + (
        [f"gain < {hi}"] if hi is not None else []
    )
    return " AND ".join(parts)


_BUCKETS = [n for n, _, _ in GAIN_BUCKETS]
_GAIN_COLUMNS = [f"gain_{n}" for n in _BUCKETS]
_SUM_COLUMNS = (
    *FLAGS,
    "outcomes",
    "issued",
    "revoked",
    "respondents",
    *RATINGS,
    "gain_people",
    "pre",
    "post",
    "gain",
    *_GAIN_COLUMNS,
    "refreshed_at",
)

_REFRESH = f"""
WITH gone AS (DELETE FROM r_session_dirty
              WHERE $1::text[] IS NULL OR session_id = any($1::text[]) RETURNING session_id),
ids AS (SELECT DISTINCT session_id FROM gone),
en AS (
  SELECT e.session_id, count(*) FILTER (WHERE confirmed) AS confirmed,
         count(*) FILTER (WHERE waitlisted) AS waitlisted,
         count(*) FILTER (WHERE rejected) AS rejected,
         count(*) FILTER (WHERE cancelled) AS cancelled
  FROM r_enrolment e WHERE e.session_id IN (SELECT session_id FROM ids)
    AND (e.participant_id IS NULL OR {_COUNTED.format(col="e.participant_id")})
  GROUP BY e.session_id),
oc AS (
  SELECT session_id, jsonb_object_agg(outcome, n) AS outcomes
  FROM (SELECT c.session_id, outcome, count(*) AS n FROM r_completion c
        WHERE c.session_id IN (SELECT session_id FROM ids)
          AND {_COUNTED.format(col="c.participant_id")}
        GROUP BY c.session_id, outcome) o
  GROUP BY session_id),
ce AS (
  SELECT c.session_id, count(*) AS issued, count(r.certificate_id) AS revoked
  FROM r_certificate c LEFT JOIN r_revocation r USING (certificate_id)
  WHERE c.session_id IN (SELECT session_id FROM ids) AND {_COUNTED.format(col="c.participant_id")}
  GROUP BY c.session_id),
sa AS (
  SELECT e.session_id, count(*) AS respondents,
         {", ".join(f"count(*) FILTER (WHERE {r} >= {AGREE}) AS {r}" for r in RATINGS)}
  FROM r_evaluation e
  WHERE e.session_id IN (SELECT session_id FROM ids) AND {_COUNTED.format(col="e.respondent")}
  GROUP BY e.session_id),
kn AS (
  SELECT session_id, count(*) AS gain_people, sum(pre::numeric) AS pre,
         sum(post::numeric) AS post, sum(gain::numeric) AS gain,
         {
    ", ".join(
        f"count(*) FILTER (WHERE {_bucket(lo, hi)}) AS gain_{n}" for n, lo, hi in GAIN_BUCKETS
    )
}
  FROM (SELECT session_id, pre, post, post - pre AS gain
        FROM (SELECT a.session_id, max(score) FILTER (WHERE kind = 'pre') AS pre,
                     max(score) FILTER (WHERE kind = 'post') AS post
              FROM r_assessment a
              WHERE a.session_id IN (SELECT session_id FROM ids)
                AND {_COUNTED.format(col="a.participant_id")}
              GROUP BY a.session_id, a.participant_id) s
        WHERE pre IS NOT NULL AND post IS NOT NULL) g
  GROUP BY session_id)
INSERT INTO r_session_sums
SELECT ids.session_id,
       {", ".join(f"coalesce(en.{f}, 0)" for f in FLAGS)}, coalesce(oc.outcomes, '{{}}'),
       coalesce(ce.issued, 0), coalesce(ce.revoked, 0), coalesce(sa.respondents, 0),
       {", ".join(f"coalesce(sa.{r}, 0)" for r in RATINGS)}, coalesce(kn.gain_people, 0),
       coalesce(kn.pre, 0), coalesce(kn.post, 0), coalesce(kn.gain, 0),
       {", ".join(f"coalesce(kn.{g}, 0)" for g in _GAIN_COLUMNS)}, now()
FROM ids LEFT JOIN en USING (session_id) LEFT JOIN oc USING (session_id)
LEFT JOIN ce USING (session_id) LEFT JOIN sa USING (session_id) LEFT JOIN kn USING (session_id)
ON CONFLICT (session_id) DO UPDATE SET
  {", ".join(f"{c} = EXCLUDED.{c}" for c in _SUM_COLUMNS)}
"""

# Refreshes one at a time (advisory lock, class 1803): see migration 090.
_REFRESH_LOCK = "SELECT pg_advisory_xact_lock(1803, 0)"


async def refresh_session_sums(con: asyncpg.Connection, sessions: list[str] | None) -> None:
    """Recount the sums of the given sessions (None: every session) whose facts changed."""
    async with con.transaction():
        await con.execute(_REFRESH_LOCK)
        await con.execute(_REFRESH, sessions)


_SUMS = f"""
SELECT span, {", ".join(f"sum({c})::bigint AS {c}" for c in (*FLAGS, "issued", "revoked"))},
       sum(respondents)::bigint AS respondents,
       {", ".join(f"sum({r})::bigint AS {r}" for r in RATINGS)},
       sum(gain_people)::bigint AS people,
       (sum(pre) / nullif(sum(gain_people), 0))::float8 AS mean_pre,
       (sum(post) / nullif(sum(gain_people), 0))::float8 AS mean_post,
       (sum(gain) / nullif(sum(gain_people), 0))::float8 AS mean_gain,
       {", ".join(f'sum(gain_{n})::bigint AS "{n}"' for n in _BUCKETS)}
FROM r_session_sums JOIN {_SPANS} USING (session_id) GROUP BY span
"""

_OUTCOMES = f"""
SELECT span, o.key AS outcome, sum(o.value::bigint)::bigint AS n
FROM r_session_sums s JOIN {_SPANS} USING (session_id), jsonb_each_text(s.outcomes) o
GROUP BY span, o.key
"""

Span = tuple[date, date]


async def count_facts(con: asyncpg.Connection, scope: Scope, start: date, end: date) -> Counts:
    """The counts behind a report for `scope` over sessions starting in [start, end]."""
    return (await count_spans(con, scope, [(start, end)]))[0]


async def count_spans(con: asyncpg.Connection, scope: Scope, spans: list[Span]) -> list[Counts]:
    """`count_facts` of each span, in one query per kind of fact. Every span lies within
    the first (a report's period and its nested periods)."""
    first, last = spans[0]
    if any(a < first or b > last for a, b in spans):
        raise ValueError("every span must lie within the first")
    sessions = await load_sessions(con, scope, first, last)
    members = [[s for s in sessions if a <= s.start_date <= b] for a, b in spans]
    counts = [_empty(m) for m in members]
    if not sessions:
        return counts
    await refresh_session_sums(con, [s.session_id for s in sessions])
    async with con.transaction():
        # A million facts hash in memory rather than spill to disk (the default 4 MB).
        await con.execute(f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'")
        await _count_into(con, counts, sessions)
    return counts


REPORT_WORK_MEM = "256MB"


async def _count_into(
    con: asyncpg.Connection, counts: list[Counts], sessions: list[SessionRow]
) -> None:
    members = [c.sessions for c in counts]
    pairs = [(s.session_id, i) for i, m in enumerate(members) for s in m]
    args = ([p[0] for p in pairs], [p[1] for p in pairs], [s.session_id for s in sessions])
    for r in await con.fetch(_SUMS, *args[:2]):
        c = counts[r["span"]]
        c.enrolments = {f: r[f] for f in FLAGS}
        c.certificates_issued, c.certificates_revoked = r["issued"], r["revoked"]
        c.respondents = r["respondents"]
        c.agree = {k: r[k] for k in RATINGS}
        c.gain_people, c.mean_pre, c.mean_post = r["people"], r["mean_pre"], r["mean_post"]
        c.mean_gain = r["mean_gain"]
        c.distribution = {n: r[n] for n, _, _ in GAIN_BUCKETS}
    for r in await con.fetch(_OUTCOMES, *args[:2]):
        counts[r["span"]].outcomes[r["outcome"]] = r["n"]
    certified = await _trainers(con, counts)
    await _people(con, counts, sessions, certified)


def _empty(sessions: list[SessionRow]) -> Counts:
    return Counts(
        sessions=sessions,
        trained_by={a: {} for a in ATTRIBUTES},
        enrolments={f: 0 for f in ("confirmed", "waitlisted", "rejected", "cancelled")},
        agree={r: 0 for r in RATINGS},
        distribution={n: 0 for n, _, _ in GAIN_BUCKETS},
        notifications={"sent": 0, "failed": 0},
    )


async def _people(
    con: asyncpg.Connection, counts: list[Counts], sessions: list[SessionRow], certified: set[str]
) -> None:
    """Trained people and their breakdowns, countries, notifications and cascade people of
    every span, by leaf masks (see `_PEOPLE`)."""
    in_span = {s.session_id: [] for s in sessions}  # type: dict[str, list[int]]
    for i, c in enumerate(counts):
        for s in c.sessions:
            in_span[s.session_id].append(i)
    leaves = {sig: k for k, sig in enumerate(sorted({tuple(v) for v in in_span.values()}))}
    width = len(leaves)

    def bits(ks: set[int]) -> str:
        return "".join("1" if k in ks else "0" for k in range(width))

    span_masks = [
        int(bits({k for sig, k in leaves.items() if i in sig}), 2) for i in range(len(counts))
    ]
    led = set(cascade(sessions, certified))
    ids = [s.session_id for s in sessions]
    async with con.transaction():
        # The planner cannot tell how many people the masks group: left to guess, it
        # probes profiles one at a time; hash joins are right for any size here.
        await con.execute("SET LOCAL enable_nestloop = off")
        rows = await con.fetch(
            _PEOPLE,
            ids,
            [bits({leaves[tuple(in_span[sid])]}) for sid in ids],
            [sid in led for sid in ids],
        )
    sets = {
        _grouping("t"): "trained",
        **{_grouping("t", a): a for a in ATTRIBUTES},
        _grouping("seen", "known", "nationality"): "nationality_seen",
        _grouping("seen", "known", "residence"): "residence_seen",
        _grouping("en"): "notifications",
        _grouping("tl"): "cascade",
    }
    for r in rows:
        kind = sets[r["g"]]
        column = {"trained": "t", "notifications": "en", "cascade": "tl"}.get(kind, "t")
        if kind.endswith("_seen"):
            column = "seen"
        if r[column] is None:
            continue
        mask = int(r[column], 2)
        for i, c in enumerate(counts):
            if not mask & span_masks[i]:
                continue
            if kind == "trained":
                c.trained += r["n"]
            elif kind in ATTRIBUTES:
                by = c.trained_by[kind]
                by[r[kind]] = by.get(r[kind], 0) + r["n"]
            elif kind == "notifications":
                c.notifications["sent"] += r["sent"]
                c.notifications["failed"] += r["failed"]
            elif kind == "cascade":
                c.cascade_participants += r["n"]
            elif r["known"] and r[kind.removesuffix("_seen")]:
                c.countries.add(r[kind.removesuffix("_seen")])
    for c in counts:
        c.trained_by = {a: dict(sorted(v.items())) for a, v in c.trained_by.items()}


async def _trainers(con: asyncpg.Connection, counts: list[Counts]) -> set[str]:
    """Certified trainers in scope and the sessions they led; returns who is certified."""
    trainers = await con.fetch(
        """SELECT t.trainer_id, c.session_id FROM r_trainer t
           LEFT JOIN r_certificate c USING (certificate_id)
           WHERE NOT EXISTS (SELECT 1 FROM r_participant x
                             WHERE x.participant_id = t.trainer_id AND NOT x.statistics)"""
    )
    certified = {t["trainer_id"] for t in trainers}
    for c in counts:
        in_scope = {s.session_id for s in c.sessions}
        c.trainers_certified = len(
            {t["trainer_id"] for t in trainers if t["session_id"] in in_scope}
        )
        c.cascade_sessions = len(cascade(c.sessions, certified))
    return certified


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
            **tables_by_participant(
                profile="r_participant",
                enrolments="r_enrolment",
                completions="r_completion",
                assessments="r_assessment",
            ),
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
