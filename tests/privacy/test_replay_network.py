"""Replays stay exact in all four services: a rebuild from the erased log equals the live state.

Hypothesis draws small histories over two sessions (one already held, one far ahead):
requests, withdrawals, attendance and erasure requests at random positions. The four
services and the erasure worker run live against real NATS and PostgreSQL until the
network is quiet; then `cohort_kit.rebuild` replays the redacted streams into four empty
databases, and the decisions must be identical:

- enrolment: every enrolment's status, seat, reason and promotion; every outcome;
- certification: the register (ids, numbers, codes, status indexes, who, what, when);
- notification: every delivery to a participant (cause, template, channel, language),
  without addresses, which an erasure clears;
- reporting: the raw figures (before suppression) over all sessions.

Each example starts four services, so examples are few (`max_examples` below).
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import asyncpg
import nats
import pytest
from cohort_certification.app import definition as certification
from cohort_contracts.streams import CONSUMERS
from cohort_enrolment.app import definition as enrolment
from cohort_kit.rebuild import rebuild
from cohort_notification.app import definition as notification
from cohort_reporting.app import definition as reporting
from cohort_reporting.domain import Scope, figures_from_counts
from cohort_reporting.store import count_facts
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.harness import AGAINST_SERVERS, eventually, publish_event
from tests.harness import read_stream as stored_in
from tests.privacy import history as h
from tests.privacy.network import SERVICES, network
from tests.privacy.test_replay import fresh_streams

pytestmark = pytest.mark.integration

PEOPLE = [f"iom:p-{i}" for i in range(4)]
SESSIONS = (h.PAST, h.FUTURE)
enrolling = st.one_of(  # May 2023, while both sessions are open
    st.tuples(st.just("request"), st.sampled_from(PEOPLE), st.sampled_from(SESSIONS)),
    st.tuples(st.just("withdraw"), st.sampled_from(PEOPLE), st.sampled_from(SESSIONS)),
    st.tuples(st.just("erase"), st.sampled_from(PEOPLE), st.just("")),
)
held = st.one_of(  # June 2023, the held session's day
    st.tuples(st.just("attend"), st.sampled_from(PEOPLE), st.just(h.PAST)),
    st.tuples(st.just("erase"), st.sampled_from(PEOPLE), st.just("")),
)


def events_of(steps: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """In time order: requests and withdrawals while enrolment is open, attendance of those
    enrolled on the day, the closing; erasures anywhere among them."""
    day = h.at(0).date() + timedelta(days=35)
    out = [
        h.course(),
        h.session(h.PAST, day, 5, h.at(60 * 24 * 28)),  # room for all: nobody waitlisted
        h.session(h.FUTURE, h.FAR, 1, h.at(60 * 24 * 300)),
        *[h.person(pid, n) for n, pid in enumerate(PEOPLE)],
    ]
    live: dict[tuple[str, str], str] = {}
    for n, (verb, pid, sid) in enumerate(steps, start=1):
        june = verb == "attend" or (verb == "erase" and sid == h.PAST)
        minutes = (60 * 24 * 35 + n) if june else (100 + n)
        if verb == "request" and (pid, sid) not in live:
            live[(pid, sid)] = f"iom:e-{pid[-1]}-{sid[-4:]}-{n}"
            out.append(h.request(live[(pid, sid)], pid, sid, minutes))
        elif verb == "withdraw" and (pid, sid) in live:
            out.append(h.withdrawn(live.pop((pid, sid)), minutes))
        elif verb == "attend" and (pid, h.PAST) in live:
            out.append(h.attended(pid, day.isoformat(), minutes))
        elif verb == "erase":
            out.append(h.erase(pid, minutes))
    out.append(h.closed(h.PAST, 60 * 24 * 40))
    return out


def histories() -> st.SearchStrategy[list[tuple[str, str, str]]]:
    """Enrolling steps, then the day's steps (June erasures are marked by their session)."""

    def june(steps: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
        return [(v, p, h.PAST if v == "erase" else s) for v, p, s in steps]

    return st.tuples(
        st.lists(enrolling, min_size=3, max_size=7), st.lists(held, min_size=1, max_size=4)
    ).map(lambda parts: parts[0] + june(parts[1]))


async def rows(url: str, sql: str) -> list[tuple]:
    con = await asyncpg.connect(url)
    try:
        return [tuple(r) for r in await con.fetch(sql)]
    finally:
        await con.close()


STATE = {
    "enrolment": [
        """SELECT enrolment_id, session_id, participant_id, status, seat, reason, promoted
           FROM enrolments ORDER BY enrolment_id""",
        """SELECT enrolment_id, outcome, attendance_ratio, revision FROM completions
           ORDER BY enrolment_id""",
        """SELECT participant_id, given_name, family_name, email, erased_at
           FROM participants ORDER BY participant_id""",
    ],
    "certification": [
        """SELECT certificate_id, number, verification_code, agency, enrolment_id, kind,
                  participant_id, course_id, session_id, issued_at, status_index, revoked_at,
                  superseded_by
           FROM certificates ORDER BY certificate_id""",
    ],
    "notification": [
        """SELECT delivery_id, cause_id, recipient, channel, template, language, agency,
                  session_id, participant_id
           FROM deliveries WHERE participant_id IS NOT NULL ORDER BY delivery_id""",
        """SELECT participant_id, given_name, family_name, email, phone, erased_at
           FROM participants ORDER BY participant_id""",
    ],
}


async def state(service: str, url: str) -> list[Any]:
    if service != "reporting":
        return [await rows(url, sql) for sql in STATE[service]]
    con = await asyncpg.connect(url)
    try:  # the figures before suppression: small histories would suppress every cell
        counts = await count_facts(
            con, Scope("programme", "EMM2.0"), date(2000, 1, 1), date(2100, 1, 1)
        )
        return [figures_from_counts(counts)[0]]
    finally:
        await con.close()


def differences(live: list[Any], rebuilt: list[Any]) -> list[Any]:
    """Per table: (only live, only rebuilt), for a readable failure."""
    out = []
    for a, b in zip(live, rebuilt, strict=True):
        if isinstance(a, list):
            out.append(([r for r in a if r not in b], [r for r in b if r not in a]))
        elif a != b:
            out.append({k: (a.get(k), b.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)})
    return out


async def quiet(js: Any, databases: dict[str, str], erasures: int) -> bool:
    """Every erasure completed, every consumer of the four services drained, every
    outbox relayed."""
    done = [m for m in await stored_in(js, "PRIVACY") if m.subject.startswith("privacy.com")]
    if len(done) < erasures:
        return False
    for c in CONSUMERS:
        if c.durable.split("-")[0] in SERVICES:
            info = await js.consumer_info(c.stream, c.durable)
            if info.num_pending or info.num_ack_pending:
                return False
    for url in databases.values():
        if await rows(url, "SELECT 1 FROM outbox WHERE published_at IS NULL LIMIT 1"):
            return False
    return True


async def live_then_rebuild(nats_url: str, pg_admin_dsn: str, events: list[dict]) -> None:
    from tests.conftest import fresh_database

    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await fresh_streams(js)
    erasures = sum(1 for e in events if e["type"] == "participant.erasure_requested.v1")
    definitions = {
        "enrolment": enrolment,
        "certification": certification,
        "notification": notification,
        "reporting": reporting,
    }
    try:
        async with network(nats_url, pg_admin_dsn) as net:
            await net.start_worker(js)
            for event in events:
                await publish_event(js, event)

            async def settled() -> bool:  # quiet twice, a moment apart: nothing in flight
                if not await quiet(js, net.databases, erasures):
                    return False
                await asyncio.sleep(1.0)
                return await quiet(js, net.databases, erasures)

            await eventually(settled, timeout=60, interval=0.3)
            live = {s: await state(s, net.databases[s]) for s in SERVICES}
        for service in SERVICES:
            async with fresh_database(pg_admin_dsn) as again:
                await rebuild(definitions[service], nats_url, again)
                rebuilt = await state(service, again)
                assert rebuilt == live[service], (service, differences(live[service], rebuilt))
    finally:
        await nc.drain()


@settings(AGAINST_SERVERS, max_examples=1)
@given(steps=histories())
@example(  # a promotion caused by an erasure, a certified person erased on the day
    steps=[
        ("request", "iom:p-0", h.PAST),
        ("request", "iom:p-1", h.FUTURE),
        ("request", "iom:p-2", h.FUTURE),
        ("erase", "iom:p-1", ""),
        ("attend", "iom:p-0", h.PAST),
        ("erase", "iom:p-0", h.PAST),
    ]
)
def test_a_rebuild_of_every_service_from_the_erased_log_equals_its_live_state(
    nats_url, pg_admin_dsn, steps
):
    asyncio.run(live_then_rebuild(nats_url, pg_admin_dsn, events_of(steps)))
