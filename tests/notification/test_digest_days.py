"""Which day's items a digest round takes: days that are over in the *session's* time zone.

An item's day is the local date of its event (`Notifier.digest`); the wall clock that
decides whether that day is over must be read in the same zone. Real PostgreSQL; the
clock is fixed so the evening hours that once made this differ from UTC are always tested.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from cohort_contracts.envelope import CloudEvent
from cohort_contracts.sessions import SessionScheduled
from cohort_notification import store
from cohort_notification.app import definition
from cohort_notification.digest import make_digests
from cohort_notification.notifier import Notifier
from cohort_notification.settings import NotificationSettings

from tests import factories
from tests.harness import migrated_pool

pytestmark = pytest.mark.integration


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    async with migrated_pool(database_url, definition) as p:
        yield p


def notifier(database_url: str, now: datetime, include_today: bool) -> Notifier:
    s = NotificationSettings(
        database_url=database_url, digest_include_today=include_today, digest_quiet_seconds=0.0
    )
    return Notifier(s, clock=lambda: now)


async def an_item_at(pool: asyncpg.Pool, n: Notifier, timezone: str, at: datetime) -> None:
    """A confirmation at `at` in a session held in `timezone`, noted for the digest."""
    event = factories.session("iom:s-tz", timezone=timezone)
    async with pool.acquire() as con, con.transaction():
        await store.upsert_session(con, SessionScheduled(**event["data"]), "iom")
        session = await store.session(con, "iom:s-tz")
        cause = CloudEvent(**factories.envelope("enrolment.confirmed.v1", {}, time=at))
        await n.digest(con, cause, session, "confirmed", "Fatima Said Ali")


async def digests(pool: asyncpg.Pool) -> list[Any]:
    async with pool.acquire() as con:
        return await con.fetch("SELECT * FROM deliveries WHERE template = 'organiser_digest'")


async def test_today_east_of_utc_is_digested_in_the_evening_utc(pool, database_url):
    """22:00 UTC on 4 December is 5 December in Dubai: today's items there go out."""
    now = datetime(2026, 12, 4, 22, 0, tzinfo=UTC)
    n = notifier(database_url, now, include_today=True)
    await an_item_at(pool, n, "Asia/Dubai", datetime(2026, 12, 4, 21, 30, tzinfo=UTC))
    assert await make_digests(pool, n) == 1
    assert len(await digests(pool)) == 1


async def test_a_day_not_over_west_of_utc_waits(pool, database_url):
    """01:00 UTC on 5 December is still 4 December in New York: its items wait, then go
    out once that day is over there."""
    item_at = datetime(2026, 12, 5, 0, 30, tzinfo=UTC)  # 19:30 on 4 December in New York
    early = notifier(database_url, datetime(2026, 12, 5, 1, 0, tzinfo=UTC), include_today=False)
    await an_item_at(pool, early, "America/New_York", item_at)
    assert await make_digests(pool, early) == 0
    later = notifier(database_url, datetime(2026, 12, 5, 5, 30, tzinfo=UTC), include_today=False)
    assert await make_digests(pool, later) == 1
    assert len(await digests(pool)) == 1
