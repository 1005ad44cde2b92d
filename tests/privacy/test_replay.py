"""Replays stay exact after erasure: a rebuild from the redacted log equals the live state.

Hypothesis draws small enrolment histories (registrations, requests, withdrawals) with
erasure requests at random positions; the enrolment service and the erasure worker run
live, then `cohort_kit.rebuild` replays the redacted INTAKE into an empty database. Seats,
statuses, waitlist promotions and participant rows must be identical. A slot deleted
without a redaction record makes the rebuild fail loudly.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import asyncpg
import nats
import pytest
from cohort_contracts.streams import TOPOLOGY
from cohort_enrolment.app import definition as enrolment
from cohort_enrolment.settings import EnrolmentSettings
from cohort_kit import Runtime
from cohort_kit.eraser import ErasureWorker
from cohort_kit.rebuild import rebuild
from cohort_kit.redaction import UnexplainedGap, read_stream
from cohort_kit.topology import provision
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import fresh_database
from tests.harness import AGAINST_SERVERS, eventually, publish_event
from tests.harness import read_stream as stored_in
from tests.privacy import history as h

pytestmark = pytest.mark.integration

PEOPLE = [f"iom:p-{i}" for i in range(5)]
step = st.one_of(
    st.tuples(st.just("request"), st.sampled_from(PEOPLE)),
    st.tuples(st.just("withdraw"), st.sampled_from(PEOPLE)),
    st.tuples(st.just("erase"), st.sampled_from(PEOPLE)),
)


def events_of(steps: list[tuple[str, str]]) -> list[dict[str, Any]]:
    out = [
        h.course(),
        h.session(h.FUTURE, h.FAR, 2, h.at(60 * 24 * 300)),
        *[h.person(pid, n) for n, pid in enumerate(PEOPLE)],
    ]
    for n, (verb, pid) in enumerate(steps, start=1):
        minutes = 100 + n
        eid = f"iom:e-{pid[-1]}-{n}"
        if verb == "request":
            out.append(h.request(eid, pid, h.FUTURE, minutes))
        elif verb == "withdraw":
            earlier = [s for s in range(1, n) if steps[s - 1] == ("request", pid)]
            if earlier:
                out.append(h.withdrawn(f"iom:e-{pid[-1]}-{earlier[-1]}", minutes))
        else:
            out.append(h.erase(pid, minutes))
    return out


async def state(url: str) -> dict[str, list[tuple]]:
    con = await asyncpg.connect(url)
    try:
        enrolments = await con.fetch(
            """SELECT enrolment_id, participant_id, status, seat, reason, promoted
               FROM enrolments ORDER BY enrolment_id"""
        )
        people = await con.fetch(
            """SELECT participant_id, agency, organisation, given_name, family_name, email,
                      erased_at FROM participants ORDER BY participant_id"""
        )
        return {"enrolments": [tuple(r) for r in enrolments], "people": [tuple(r) for r in people]}
    finally:
        await con.close()


async def fresh_streams(js: Any) -> None:
    for info in await js.streams_info():
        await js.delete_stream(info.config.name)
    await provision(js, TOPOLOGY)


async def live_then_rebuild(nats_url: str, pg_admin_dsn: str, events: list[dict]) -> None:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await fresh_streams(js)
    erasures = sum(1 for e in events if e["type"] == "participant.erasure_requested.v1")
    async with fresh_database(pg_admin_dsn) as live_db, fresh_database(pg_admin_dsn) as again:
        runtime = Runtime(
            enrolment,
            EnrolmentSettings(
                nats_url=nats_url, database_url=live_db, http_port=0, relay_poll_seconds=0.1
            ),
        )
        await runtime.start()
        stop = asyncio.Event()
        worker = asyncio.ensure_future(
            ErasureWorker(js, services=("enrolment",), poll_seconds=0.05).run(stop)
        )
        try:
            for event in events:
                await publish_event(js, event)

            async def all_completed() -> bool:
                stored = await stored_in(js, "PRIVACY")
                done = (
                    sum(1 for m in stored if m.subject.startswith("privacy.completed.")) >= erasures
                )
                consumer = await js.consumer_info("INTAKE", "enrolment-intake")
                return done and consumer.num_pending == 0 and consumer.num_ack_pending == 0

            await eventually(all_completed, timeout=60)
            await eventually(
                lambda: _relayed(live_db), timeout=30
            )  # the live outbox is empty: nothing in flight
        finally:
            stop.set()
            await worker
            await runtime.stop()
        live = await state(live_db)
        erased = {
            e["data"]["participant_id"]
            for e in events
            if e["type"] == "participant.erasure_requested.v1"
        }
        raw = [m.data.decode() for m in await stored_in(js, "INTAKE")]
        for n, pid in enumerate(PEOPLE):
            found = [t for t in raw if f"zubeida{n}.private" in t]
            assert (not found) if pid in erased else found, pid
        await rebuild(enrolment, nats_url, again)
        assert await state(again) == live
        for row in live["people"]:
            pid = row[0]
            if any(
                e["type"].startswith("participant.erasure") and e["data"]["participant_id"] == pid
                for e in events
            ):
                assert row[3:6] == (None, None, None)
    await nc.drain()


async def _relayed(url: str) -> bool:
    con = await asyncpg.connect(url)
    try:
        return not await con.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
    finally:
        await con.close()


@settings(AGAINST_SERVERS, max_examples=4)
@given(steps=st.lists(step, min_size=3, max_size=10))
def test_a_rebuild_from_the_erased_log_equals_the_live_state(nats_url, pg_admin_dsn, steps):
    asyncio.run(live_then_rebuild(nats_url, pg_admin_dsn, events_of(steps)))


async def test_a_gap_that_no_record_explains_fails_the_rebuild_loudly(js):
    for event in [h.course(), h.person("iom:p-x", 1), h.person("iom:p-y", 2)]:
        await publish_event(js, event)
    await js.delete_msg("INTAKE", 2)  # deleted behind the erasure worker's back
    with pytest.raises(UnexplainedGap, match="INTAKE sequence 2"):
        async for _ in read_stream(js, "INTAKE"):
            pass


async def test_a_redacted_slot_replays_as_its_record(js):
    from cohort_contracts.privacy import RedactionRecord, redacted_data

    person = h.person("iom:p-x", 1)
    for event in [h.course(), person, h.course()]:
        await publish_event(js, event)
    record = RedactionRecord(
        stream="INTAKE",
        seq=2,
        subject="intake.iom.participant.registered",
        request_id="r-1",
        event={**person, "data": redacted_data(person["type"], person["data"])},
    )
    await js.publish(
        "privacy.redaction.INTAKE.2", record.model_dump_json().encode(), stream="PRIVACY"
    )
    await js.delete_msg("INTAKE", 2)
    seen = [m async for m in read_stream(js, "INTAKE")]
    assert [m.seq for m in seen] == [1, 2, 3] and seen[1].redacted
    assert json.loads(seen[1].data)["id"] == person["id"]
    assert "zubeida1" not in seen[1].data.decode()


class Killed(Exception):
    """Stands for the worker process dying at a step."""


async def test_a_worker_killed_between_steps_resumes_to_the_same_end_state(
    js, nats_url, database_url
):
    """Killed after the record and before the delete, then after the deletes and before
    the completion; a duplicate request arrives meanwhile. The end state is the same."""
    runtime = Runtime(
        enrolment,
        EnrolmentSettings(
            nats_url=nats_url, database_url=database_url, http_port=0, relay_poll_seconds=0.1
        ),
    )
    await runtime.start()
    try:
        for event in [
            h.course(),
            h.session(h.FUTURE, h.FAR, 2, h.at(60 * 24 * 300)),
            h.person("iom:p-x", 1),
            h.evaluation("iom:p-x", "Zubeida1q liked it", 50),
            h.erase("iom:p-x", 100),
        ]:
            await publish_event(js, event)
        for crash_at in ("recorded INTAKE 4", "redacted"):

            async def die(name: str, crash_at: str = crash_at) -> None:
                if name == crash_at:
                    raise Killed(name)

            worker = ErasureWorker(js, services=("enrolment",), poll_seconds=0.05, step=die)
            with pytest.raises(Killed):
                await worker.run()
            # never acknowledged: the request comes back after the consumer's ack wait
        await publish_event(js, h.erase("iom:p-x", 101))  # a duplicate request
        stop = asyncio.Event()
        task = asyncio.ensure_future(
            ErasureWorker(js, services=("enrolment",), poll_seconds=0.05).run(stop)
        )

        async def completions() -> list[dict]:
            done = [
                json.loads(m.data)["data"]
                for m in await stored_in(js, "PRIVACY")
                if m.subject.startswith("privacy.completed.")
            ]
            return done if len(done) >= 2 else []

        done = await eventually(completions, timeout=90)
        stop.set()
        await task
    finally:
        await runtime.stop()
    first, second = done
    assert {(s["stream"], s["seq"]) for s in first["redacted"]} == {("INTAKE", 3), ("INTAKE", 4)}
    assert second["redacted"] == []
    texts = [m.data.decode() async for m in read_stream(js, "INTAKE")]
    assert len(texts) == 6 and not [t for t in texts if "Zubeida1q" in t or "zubeida1." in t]
