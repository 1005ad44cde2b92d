"""Session summaries: published once per closed session, to its country, donors and programme.

A background loop (not a handler) decides when a summary is due: the session is closed,
every live confirmed enrolment has its completion, and no event was applied for a short
quiet time (so the certificates that follow are in). The reports go through the outbox,
with ids derived from the closing event, so a retry publishes the same messages.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import date

import asyncpg
import structlog
from cohort_contracts.reports import ReportPublished
from cohort_kit.emitting import emit
from cohort_kit.outbox import derived_event_id

from . import store
from .domain import Scope
from .periodic import publish_due_periods
from .reports import build_report, report_subject_tail, subject_token

log = structlog.get_logger(__name__)
KIND = "session_summary"
WIDE = (date(1900, 1, 1), date(9999, 12, 31))


def audiences(country: str, donors: list[str], programme: str | None) -> list[Scope]:
    scopes = [Scope("country", country)]
    scopes += [Scope("donor", d) for d in sorted(donors)]
    if programme:
        scopes.append(Scope("programme", programme))
    return scopes


async def publish_due_summaries(con: asyncpg.Connection, quiet_seconds: float) -> int:
    """Put the summaries of every due session into the outbox; return how many reports."""
    published = 0
    for row in await store.sessions_due(con, quiet_seconds):
        async with con.transaction():
            sid = row["session_id"]
            if not await store.mark_published(con, f"session:{sid}", row["closed_event_id"]):
                continue
            select = Scope("session", sid)
            session = (await store.load_sessions(con, select, *WIDE))[0]
            for scope in audiences(row["country"], row["donors"], row["programme"]):
                report = await build_report(
                    con,
                    scope,
                    session.start_date,
                    session.end_date,
                    kind=KIND,
                    select=select,
                    report_id=f"cohort:r-{KIND}-{sid}-{scope.kind}-{subject_token(scope.value)}",
                    extra={"closing_event_id": row["closed_event_id"]},
                )
                await _enqueue(con, report, scope, row["agency"], row)
                published += 1
            log.info("session summary queued", session_id=sid)
    return published


async def _enqueue(
    con: asyncpg.Connection, report: ReportPublished, scope: Scope, agency: str, row: asyncpg.Record
) -> None:
    await emit(
        con,
        report,
        service="reporting",
        agency=agency,
        subject_id=report.report_id,
        time=row["closed_at"],
        causationid=row["closed_event_id"],
        event_id=derived_event_id(row["closed_event_id"], f"{KIND}|{scope}"),
        tail=report_subject_tail(scope, KIND),
    )
    await store.keep_published(con, report, scope, row["closed_at"])


async def run_publisher(
    pool: asyncpg.Pool,
    poll_seconds: float,
    quiet_seconds: float,
    caught_up: Callable[[], Awaitable[bool]] | None = None,
) -> None:
    """Publish due reports; only when every input consumer has caught up (if told how to
    check), since a quiet spell alone can hide completions waiting for a retry."""
    while True:
        try:
            if caught_up is not None and not await caught_up():
                await asyncio.sleep(poll_seconds)
                continue
            async with pool.acquire() as con:
                await publish_due_summaries(con, quiet_seconds)
                await publish_due_periods(con, quiet_seconds)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # keep the loop alive; the next round retries
            log.warning("session summary round failed", error=repr(exc))
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.sleep(poll_seconds)
