"""The kit's consumer policy against a real NATS JetStream and a real PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import asyncpg
import pytest
from cohort_kit import Runtime

from tests import factories
from tests.harness import (
    deadletters,
    eventually,
    publish_event,
    publish_raw,
    read_stream,
    rows,
    running,
)
from tests.integration import probe

pytestmark = pytest.mark.integration


@pytest.fixture
async def service(js, nats_url: str, database_url: str) -> AsyncIterator[Runtime]:
    probe.behaviour.update(drop_connection_on_attempts=0, not_yet_until_attempt=0, slow_seconds=0)
    async with running(probe.definition(), probe.settings(nats_url, database_url)) as runtime:
        yield runtime


async def seen(database_url: str) -> list[asyncpg.Record]:
    return await rows(database_url, "SELECT * FROM probe_seen ORDER BY participant_id")


async def test_the_same_event_published_three_times_is_applied_once(js, service, database_url):
    event = factories.participant("iom:p-dup")
    for _ in range(3):
        await publish_event(js, event)
    # Also bypass the stream's duplicate window: a new stream message with the same event id.
    await publish_raw(js, "intake.iom.participant.registered", json.dumps(event).encode())
    await publish_event(js, factories.participant("iom:p-after"))

    rows = await eventually(lambda: _when(seen(database_url), lambda r: len(r) == 2))
    assert [r["participant_id"] for r in rows] == ["iom:p-after", "iom:p-dup"]
    info = await js.stream_info("INTAKE")
    assert info.state.messages == 3  # three publishes with one id were stored once


async def test_unusable_messages_are_dead_lettered_with_their_reason(js, service, database_url):
    good = factories.participant("iom:p-ok")
    bad_schema = factories.participant("iom:p-bad", email="not-an-email")
    unknown = factories.envelope("course.exploded.v1", {"x": 1})
    other_agency = factories.participant("icmpd:p-1", agency="icmpd")
    await publish_raw(js, "intake.iom.participant.registered", b"\xff not json", "m-1")
    await publish_event(js, bad_schema)
    await publish_event(js, unknown)
    await publish_event(js, other_agency, subject="intake.iom.participant.registered")
    await publish_event(js, good)

    await eventually(lambda: _when(seen(database_url), lambda r: len(r) == 1))
    records = await eventually(lambda: _when(deadletters(js), lambda d: len(d) == 4))
    assert [d["reason"] for d in records] == [
        "not_json",
        "schema_violation",
        "unknown_type",
        "agency_mismatch",
    ]
    assert all(d["service"] == "probe" and d["stream"] == "INTAKE" for d in records)
    assert "email" in records[1]["detail"]
    msgs = await read_stream(js, "DEADLETTER")
    assert {m.subject for m in msgs} == {"deadletter.probe.iom"}  # the agency's own token
    import base64

    assert base64.b64decode(records[0]["body_base64"]) == b"\xff not json"
    assert [r["participant_id"] for r in await seen(database_url)] == ["iom:p-ok"]


async def test_a_transient_database_error_brings_the_message_back(js, service, database_url):
    probe.behaviour["drop_connection_on_attempts"] = 2
    await publish_event(js, factories.participant("iom:p-flaky"))
    rows = await eventually(lambda: _when(seen(database_url), lambda r: len(r) == 1))
    assert rows[0]["attempt"] == 3  # two deliveries hit a dropped connection, the third applied
    assert await deadletters(js) == []


async def test_an_event_not_yet_applicable_is_retried_then_decided(js, nats_url, database_url):
    probe.behaviour.update(
        drop_connection_on_attempts=0, not_yet_until_attempt=1000, slow_seconds=0
    )
    runtime = Runtime(
        probe.definition(), probe.settings(nats_url, database_url, retry_window_seconds=1.5)
    )
    await runtime.start()
    try:
        await publish_event(js, factories.participant("iom:p-late"))
        rows = await eventually(lambda: _when(seen(database_url), lambda r: len(r) == 1))
    finally:
        await runtime.stop()
    assert rows[0]["final"] is True and rows[0]["attempt"] > 1


async def _when(fetch, predicate):
    value = await fetch
    return value if predicate(value) else None


async def test_shutdown_finishes_the_message_in_flight(js, nats_url, database_url):
    probe.behaviour.update(drop_connection_on_attempts=0, not_yet_until_attempt=0, slow_seconds=1)
    runtime = Runtime(probe.definition(), probe.settings(nats_url, database_url))
    await runtime.start()
    try:
        await publish_event(js, factories.participant("iom:p-slow"))
        await eventually(lambda: _in_flight(runtime))
    finally:
        await runtime.stop()
        probe.behaviour["slow_seconds"] = 0
    assert [r["participant_id"] for r in await seen(database_url)] == ["iom:p-slow"]
    info = await js.consumer_info("INTAKE", "enrolment-intake")
    assert info.num_ack_pending == 0 and info.num_pending == 0


async def _in_flight(runtime: Runtime) -> bool:
    return any(p.in_flight for p in runtime.processors)


async def test_a_handler_slower_than_the_ack_wait_keeps_its_message(
    js, nats_url, database_url, monkeypatch
):
    import dataclasses

    from cohort_contracts import streams
    from cohort_kit.topology import consumer_config

    quick = dataclasses.replace(streams.consumer("enrolment-intake"), ack_wait_seconds=1.0)
    others = tuple(c for c in streams.CONSUMERS if c.durable != quick.durable)
    monkeypatch.setattr(streams, "CONSUMERS", (quick, *others))
    await js.delete_consumer("INTAKE", quick.durable)
    await js.add_consumer("INTAKE", consumer_config(quick))

    probe.behaviour.update(drop_connection_on_attempts=0, not_yet_until_attempt=0, slow_seconds=2.5)
    # Two replicas: the idle one has a pull waiting and would get a redelivery at once.
    replicas = [Runtime(probe.definition(), probe.settings(nats_url, database_url)) for _ in "ab"]
    for runtime in replicas:
        await runtime.start()
    try:
        await publish_event(js, factories.participant("iom:p-slower"))
        rows = await eventually(lambda: _when(seen(database_url), lambda r: len(r) == 1))
        await asyncio.sleep(1.5)
    finally:
        for runtime in replicas:
            await runtime.stop()
        probe.behaviour["slow_seconds"] = 0
    assert rows[0]["attempt"] == 1
    info = await js.consumer_info("INTAKE", quick.durable)
    assert info.delivered.consumer_seq == 1, "the message was delivered again while in progress"
    assert info.num_ack_pending == 0
