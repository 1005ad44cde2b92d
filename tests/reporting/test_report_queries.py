"""The faster report queries (issue 18) count what the Python reference counts.

Real PostgreSQL: the reporting migrations (with 070's indexes), the bench's projection
filler at a small size, and hand-written reschedules and erasures.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import asyncpg
import pytest
from cohort_kit.db import migrate, service_migrations
from cohort_reporting import store
from cohort_reporting.app import MIGRATIONS
from cohort_reporting.domain import Scope

from bench.reporting.fill import fill
from tests.reporting import oracle

pytestmark = pytest.mark.integration
EVERYTHING = (date(2000, 1, 1), date(2099, 12, 31))
T0 = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.fixture
async def con(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    con = await asyncpg.connect(database_url)
    await migrate(con, service_migrations("reporting", MIGRATIONS))
    yield con
    await con.close()


async def same_counts(con: asyncpg.Connection, scope: Scope, start: date, end: date) -> None:
    sql = await store.count_facts(con, scope, start, end)
    python = oracle.count_facts(await oracle.load_facts(con, scope, start, end))
    assert sql == python


async def test_sql_counts_equal_python_counts_over_a_filled_projection(
    con: asyncpg.Connection,
) -> None:
    await fill(con, 3000)
    for scope in (Scope("country", "COM"), Scope("country", "NER"), Scope("donor", "Bench Donor")):
        await same_counts(con, scope, *EVERYTHING)
        await same_counts(con, scope, date(2024, 4, 1), date(2024, 6, 30))
    # A person erased later counts as refusing statistics in every later count.
    trained = await store.count_facts(con, Scope("country", "COM"), *EVERYTHING)
    pid = await con.fetchval(
        """SELECT c.participant_id FROM r_completion c JOIN r_participant p USING (participant_id)
           WHERE c.outcome = 'completed' AND p.statistics AND c.session_id = 'iom:bs-3'
           ORDER BY 1 LIMIT 1"""
    )
    await store.forget_participant(con, pid, datetime(2025, 1, 1, tzinfo=UTC))
    after = await store.count_facts(con, Scope("country", "COM"), *EVERYTHING)
    assert after.trained == trained.trained - 1
    await same_counts(con, Scope("country", "COM"), *EVERYTHING)


async def test_the_latest_reschedule_of_each_attribute_wins(con: asyncpg.Connection) -> None:
    await con.execute("INSERT INTO r_course VALUES ('iom:c', 'EMM2.0', false)")
    await con.execute(
        """INSERT INTO r_session VALUES ('iom:s', 'iom', 'iom:c', 'COM', 'online',
             date '2024-01-10', date '2024-01-12', '{}', '{}', '{}')"""
    )
    changes = [  # (event id, minutes after T0, start, end, mode)
        ("e1", 1, date(2024, 2, 1), date(2024, 2, 3), None),
        ("e3", 5, None, None, "blended"),
        ("e2", 5, date(2024, 3, 1), None, None),  # same time as e3: the larger id wins ties
        ("e4", 5, date(2024, 4, 1), None, None),
        ("e0", 9, None, None, None),
    ]
    for event_id, minutes, start, end, mode in changes:
        at = T0.replace(minute=minutes)
        await store.add_session_change(con, event_id, "iom:s", at, start, end, mode)
    [s] = await store.load_sessions(con, Scope("session", "iom:s"), *EVERYTHING)
    assert (s.start_date, s.end_date, s.mode) == (date(2024, 4, 1), date(2024, 2, 3), "blended")
    assert (
        await store.load_sessions(con, Scope("country", "COM"), date(2024, 1, 1), date(2024, 1, 31))
        == []
    )


async def test_a_write_counts_its_event_in_the_same_statement(con: asyncpg.Connection) -> None:
    note = ("reporting-intake", T0)
    await store.upsert_course(con, "iom:c", "EMM2.0", False, note=note)
    await store.upsert_course(
        con, "iom:c", "EMM3.0", True, note=("reporting-intake", T0.replace(hour=3))
    )
    await store.add_revocation(con, "iom:cert", T0, note=("reporting-certification", T0))
    # A duplicate that changes nothing is still an event applied (as before).
    await store.add_revocation(con, "iom:cert", T0, note=("reporting-certification", T0))
    await store.add_revocation(con, "iom:cert-2", T0)  # no note: not counted
    assert dict(await con.fetchrow("SELECT * FROM r_course")) == {
        "course_id": "iom:c",
        "programme": "EMM3.0",
        "training_of_trainers": True,
    }
    rows = {r["consumer"]: r for r in await con.fetch("SELECT * FROM r_provenance")}
    assert rows["reporting-intake"]["events"] == 2
    assert rows["reporting-intake"]["first_time"] == T0
    assert rows["reporting-intake"]["last_time"] == T0.replace(hour=3)
    assert rows["reporting-certification"]["events"] == 2
    assert await con.fetchval("SELECT count(*) FROM r_revocation") == 2
