"""Batches: a backlog is applied several messages per transaction, in stream order, and a
message that fails is rolled back alone and takes the path it takes alone."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from tests import factories
from tests.harness import eventually, publish_event, read_stream, replicas
from tests.integration import batch_probe

pytestmark = pytest.mark.integration
BACKLOG = 7


@pytest.fixture(autouse=True)
def calm() -> None:
    batch_probe.behaviour.update(fail={}, slow_seconds=0.0)


async def rows(database_url: str) -> list[asyncpg.Record]:
    con = await asyncpg.connect(database_url)
    try:
        if not await con.fetchval("SELECT to_regclass('batch_seen') IS NOT NULL"):
            return []
        return await con.fetch("SELECT * FROM batch_seen ORDER BY n")
    finally:
        await con.close()


async def outbox_ids(database_url: str) -> list[str]:
    con = await asyncpg.connect(database_url)
    try:
        return [r["event_id"] for r in await con.fetch("SELECT event_id FROM outbox ORDER BY seq")]
    finally:
        await con.close()


async def settled(js: Any) -> bool:
    info = await js.consumer_info("INTAKE", "enrolment-intake")
    return info.num_pending == 0 and info.num_ack_pending == 0


@pytest.fixture
async def backlog(js: Any) -> list[str]:
    """Published before the service starts, so its first fetch finds them all waiting."""
    ids = [f"iom:p-b-{n}" for n in range(BACKLOG)]
    for pid in ids:
        await publish_event(js, factories.participant(pid))
    return ids


@pytest.fixture
async def start(nats_url: str, database_url: str) -> AsyncIterator[Any]:
    async with replicas(
        batch_probe.definition(), batch_probe.settings(nats_url, database_url)
    ) as start:
        yield start


async def settled_with_failing_middle(
    how: str, js: Any, backlog: list[str], start: Any, database_url: str
) -> tuple[str, list[asyncpg.Record]]:
    """The backlog applied with its middle message failing `how`: that message's id, and
    the rows once nothing is pending."""
    middle = backlog[3]
    batch_probe.behaviour["fail"] = {middle: how}
    await start()
    await eventually(lambda: settled(js), timeout=30)
    return middle, await rows(database_url)


async def test_a_backlog_is_applied_in_stream_order_several_per_transaction(
    js, backlog, start, database_url
):
    await start()
    seen = await eventually(lambda: _at_least(rows(database_url), BACKLOG))
    assert [r["participant_id"] for r in seen] == backlog
    assert len({r["txid"] for r in seen}) < BACKLOG  # batched: fewer transactions than messages
    await eventually(lambda: settled(js))
    assert len(await outbox_ids(database_url)) == BACKLOG


async def under_savepoint(database_url: str) -> dict[str, bool]:
    """Whether each row was written in a subtransaction: its `xmin` is then not the id of
    the transaction that applied it (`txid` is the top-level id, whatever the savepoint)."""
    con = await asyncpg.connect(database_url)
    try:
        found = await con.fetch(
            "SELECT participant_id, xmin::text::bigint <> txid % 4294967296 AS sub FROM batch_seen"
        )
        return {r["participant_id"]: r["sub"] for r in found}
    finally:
        await con.close()


async def test_a_batch_that_applies_cleanly_takes_no_savepoint(js, backlog, start, database_url):
    await start()
    await eventually(lambda: _at_least(rows(database_url), BACKLOG))
    await eventually(lambda: settled(js))
    assert set((await under_savepoint(database_url)).values()) == {False}


async def test_a_failing_message_in_a_batch_is_dead_lettered_and_the_others_applied_once(
    js, backlog, start, database_url
):
    middle, seen = await settled_with_failing_middle("error", js, backlog, start, database_url)
    # The optimistic batch was rolled back whole and applied again with savepoints.
    assert True in (await under_savepoint(database_url)).values()
    assert [r["participant_id"] for r in seen] == [p for p in backlog if p != middle]
    assert len({r["txid"] for r in seen}) < BACKLOG - 1  # the others shared transactions
    parked = [json.loads(m.data) for m in await read_stream(js, "DEADLETTER")]
    assert [(p["reason"], p["deliveries"]) for p in parked] == [("handler_error", 2)]
    assert len(await outbox_ids(database_url)) == BACKLOG - 1  # its emit rolled back with it


async def test_a_handler_that_swallows_a_database_error_is_dead_lettered_not_lost(
    js, backlog, start, database_url
):
    # COMMIT of an aborted transaction is a silent rollback: without the kit's check the
    # message would be acked as applied with nothing of it stored.
    middle, seen = await settled_with_failing_middle("swallow", js, backlog, start, database_url)
    assert [r["participant_id"] for r in seen] == [p for p in backlog if p != middle]
    parked = [json.loads(m.data) for m in await read_stream(js, "DEADLETTER")]
    assert [(p["reason"], p["deliveries"]) for p in parked] == [("handler_error", 2)]
    assert "caught a database error" in parked[0]["detail"]
    assert len(await outbox_ids(database_url)) == BACKLOG - 1


async def test_a_transient_failure_in_a_batch_retries_that_message_alone(
    js, backlog, start, database_url
):
    middle, seen = await settled_with_failing_middle("transient", js, backlog, start, database_url)
    first = [r["participant_id"] for r in seen if r["attempt"] == 1]
    assert first == [p for p in backlog if p != middle]  # in order, the failed one skipped
    assert [(r["participant_id"], r["attempt"]) for r in seen if r["attempt"] > 1] == [(middle, 2)]
    assert await read_stream(js, "DEADLETTER") == []
    assert len(set(await outbox_ids(database_url))) == BACKLOG


async def test_a_batch_whose_connection_dies_is_applied_again_one_message_at_a_time(
    js, backlog, start, database_url
):
    batch_probe.behaviour["fail"] = {backlog[2]: "kill"}
    await start()
    await eventually(lambda: settled(js), timeout=30)
    seen = await rows(database_url)
    assert sorted(r["participant_id"] for r in seen) == sorted(backlog)  # each exactly once
    assert len(set(await outbox_ids(database_url))) == len(await outbox_ids(database_url))
    assert len(await outbox_ids(database_url)) == BACKLOG


async def test_a_process_killed_mid_batch_loses_nothing_and_applies_nothing_twice(
    js, nats_url, database_url, start
):
    count = 400
    for n in range(count):
        await publish_event(js, factories.participant(f"iom:p-k-{n:03d}"))
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.integration.batch_process",
        nats_url,
        database_url,
        "0.01",  # ~1 s per batch of 100
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        await eventually(lambda: _at_least(rows(database_url), 1), timeout=60)
        info = await js.consumer_info("INTAKE", "enrolment-intake")
        assert info.num_ack_pending > 1  # a batch was in hand, not yet committed
    finally:
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
    at_kill = len(await rows(database_url))
    assert 0 < at_kill < count

    await start()  # a replica that is not slow picks up everything that was not acked
    await eventually(lambda: _at_least(rows(database_url), count), timeout=90)
    await eventually(lambda: settled(js), timeout=90)
    seen = await rows(database_url)
    ids = [r["participant_id"] for r in seen]
    assert len(ids) == count and len(set(ids)) == count  # nothing lost, nothing twice
    # Not in stream order across the crash, as without batches: what the killed process held
    # comes back after its ack wait, behind the messages it never fetched.
    emitted = await outbox_ids(database_url)
    assert len(emitted) == count and len(set(emitted)) == count


async def _at_least(fetch: Any, n: int) -> Any:
    value = await fetch
    return value if len(value) >= n else None
