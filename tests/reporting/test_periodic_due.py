"""When a monthly or quarterly report is due: the event clock past the period's end, and
every session starting in the period summarised (or cancelled), so its figures do not
depend on how fast the network ran."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from cohort_kit.db import _init_connection
from cohort_reporting.periodic import GRACE, publish_due_periods

pytestmark = pytest.mark.integration


@pytest.fixture
async def con(projections):
    await _init_connection(projections)  # jsonb as the service's pool reads and writes it
    return projections


async def session(con, sid: str, start: date) -> None:
    await con.execute(
        """INSERT INTO r_course VALUES ('iom:c', 'EMM2.0', false) ON CONFLICT DO NOTHING;"""
    )
    await con.execute(
        """INSERT INTO r_session VALUES ($1, 'iom', 'iom:c', 'COM', 'in_person', $2, $2,
                                         '{}', '{}', '{}')""",
        sid,
        start,
    )


async def clock(con, at: datetime) -> None:
    """The newest applied event is dated `at`, and the projections have been quiet since."""
    await con.execute(
        """INSERT INTO r_provenance VALUES ('reporting-intake', 1, $1, $1, now() - interval '1 h')
           ON CONFLICT (consumer) DO UPDATE SET last_time = $1""",
        at,
    )


async def periodic(con) -> list[str]:
    return sorted(
        r["report_key"]
        for r in await con.fetch("SELECT report_key FROM r_published WHERE report_key ~ '^(m|q)'")
    )


async def test_a_month_waits_for_the_summary_of_each_of_its_sessions(con):
    await session(con, "iom:s-late-june", date(2023, 6, 28))
    await clock(con, datetime(2023, 7, 3, tzinfo=UTC))  # past June, the session still running
    assert await publish_due_periods(con, 0.1) == 0
    await con.execute("INSERT INTO r_published VALUES ('session:iom:s-late-june', 'e1')")
    assert await publish_due_periods(con, 0.1) == 4  # June and Q2, for COM and EMM2.0
    assert await periodic(con) == [
        "monthly:2023-06-01:country:COM",
        "monthly:2023-06-01:programme:EMM2.0",
        "quarterly:2023-04-01:country:COM",
        "quarterly:2023-04-01:programme:EMM2.0",
    ]


async def test_a_cancelled_session_does_not_hold_its_month_back(con):
    await session(con, "iom:s-off", date(2023, 6, 5))
    await con.execute("INSERT INTO r_session_state VALUES ('iom:s-off', now(), NULL, NULL)")
    await clock(con, datetime(2023, 7, 3, tzinfo=UTC))
    assert await publish_due_periods(con, 0.1) == 4


async def test_a_session_never_closed_holds_its_month_back_for_the_grace_only(con):
    await session(con, "iom:s-open", date(2023, 6, 5))
    end = datetime(2023, 6, 30, tzinfo=UTC)
    await clock(con, end + GRACE)
    assert await publish_due_periods(con, 0.1) == 0
    await clock(con, end + GRACE + timedelta(days=2))
    assert await publish_due_periods(con, 0.1) > 0
    assert "monthly:2023-06-01:country:COM" in await periodic(con)
