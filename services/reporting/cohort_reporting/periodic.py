"""Monthly and quarterly reports, published when the network's own clock passes a period end.

The equivalent of a schedule, driven by event time rather than the wall clock: once an event
dated after the end of a month (or quarter) has been applied and the projections are quiet,
every country, donor and programme with a session starting in that period gets its report.
A replay therefore publishes exactly the same periods with the same ids, and a history
imported years later gets its periodic reports at once.

A period's report also waits until every session starting in it has had its summary
published (closed, every confirmed enrolment decided), or was cancelled: a session that
starts on the 28th still has attendance dated in the next month, and a report made before
it is in would carry figures that depend on how fast the network happened to run (what a
SIGKILL or a slow replica changes). A session never closed holds its period back for
`GRACE` of event time at most.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import asyncpg
from cohort_kit.emitting import emit
from cohort_kit.outbox import derived_event_id

from . import store
from .domain import Scope
from .reports import build_report, report_subject_tail, subject_token

GRACE = timedelta(days=92)  # event time a period waits for sessions that never close


def month_end(d: date) -> date:
    nxt = date(d.year + d.month // 12, d.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def periods_between(first: date, before: date) -> list[tuple[str, date, date]]:
    """(kind, start, end) of every month and quarter from `first` that ended before `before`."""
    out: list[tuple[str, date, date]] = []
    m = date(first.year, first.month, 1)
    while month_end(m) < before:
        out.append(("monthly", m, month_end(m)))
        if m.month % 3 == 0:
            q_start = date(m.year, m.month - 2, 1)
            out.append(("quarterly", q_start, month_end(m)))
        m = month_end(m) + timedelta(days=1)
    return out


async def publish_due_periods(con: asyncpg.Connection, quiet_seconds: float) -> int:
    clock = await con.fetchrow(
        """SELECT max(last_time) AS last, max(applied_at) AS applied FROM r_provenance
           HAVING max(applied_at) < now() - make_interval(secs => $1)""",
        quiet_seconds,
    )
    first = await con.fetchval("SELECT min(start_date) FROM r_session")
    if clock is None or clock["last"] is None or first is None:
        return 0
    count = 0
    now = clock["last"].date()
    for kind, start, end in periods_between(first, now):
        if now <= end + GRACE and not await _sessions_settled(con, start, end):
            continue
        rows = await con.fetch(
            """SELECT s.country, s.donors, s.agency, c.programme FROM r_session s
               LEFT JOIN r_course c USING (course_id) WHERE s.start_date BETWEEN $1 AND $2""",
            start,
            end,
        )
        scopes: dict[Scope, str] = {}
        for r in rows:
            scopes.setdefault(Scope("country", r["country"]), r["agency"])
            for d in r["donors"]:
                scopes.setdefault(Scope("donor", d), r["agency"])
            if r["programme"]:
                scopes.setdefault(Scope("programme", r["programme"]), r["agency"])
        for scope, agency in sorted(scopes.items(), key=lambda x: str(x[0])):
            key = f"{kind}:{start}:{scope}"
            async with con.transaction():
                rid = f"cohort:r-{kind}-{start}-{scope.kind}-{subject_token(scope.value)}"
                if not await con.fetchval(
                    """INSERT INTO r_published (report_key, event_id) VALUES ($1, $2)
                       ON CONFLICT DO NOTHING RETURNING true""",
                    key,
                    rid,
                ):
                    continue
                report = await build_report(con, scope, start, end, kind=kind, report_id=rid)
                envelope = await emit(
                    con,
                    report,
                    service="reporting",
                    agency=agency,
                    subject_id=rid,
                    time=datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC),
                    event_id=derived_event_id(rid, "report"),
                    tail=report_subject_tail(scope, kind),
                )
                await store.keep_published(con, report, scope, envelope.time)
                count += 1
    return count


async def _sessions_settled(con: asyncpg.Connection, start: date, end: date) -> bool:
    """Every session starting in [start, end] has its summary out or was cancelled."""
    return bool(
        await con.fetchval(
            """SELECT NOT EXISTS (
                   SELECT 1 FROM r_session s LEFT JOIN r_session_state st USING (session_id)
                   WHERE s.start_date BETWEEN $1 AND $2 AND st.cancelled_at IS NULL
                     AND NOT EXISTS (SELECT 1 FROM r_published p
                                     WHERE p.report_key = 'session:' || s.session_id))""",
            start,
            end,
        )
    )
