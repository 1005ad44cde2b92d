"""The outbox relay survives SIGKILL at its worst moment without losing or doubling events."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import asyncpg
import pytest
from cohort_contracts import REGISTRY
from cohort_contracts.enrolments import EnrolmentConfirmed
from cohort_kit.db import KIT_MIGRATIONS, discover, migrate
from cohort_kit.outbox import enqueue

from tests.harness import read_stream

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def confirmed(enrolment_id: str):
    payload = EnrolmentConfirmed(
        enrolment_id=enrolment_id,
        session_id="iom:s-1",
        participant_id="iom:p-1",
        seat=1,
        promoted_from_waitlist=False,
    )
    return REGISTRY.build(payload, source="cohort/enrolment", agency="iom", subject_id=enrolment_id)


async def commit_to_outbox(database_url: str, event) -> None:
    con = await asyncpg.connect(database_url)
    try:
        async with con.transaction():
            await enqueue(con, event, subject="enrolment.confirmed", stream="ENROLMENT")
    finally:
        await con.close()


async def run_relay(nats_url: str, database_url: str, mode: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.integration.relay_process",
        nats_url,
        database_url,
        mode,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ},
    )


async def test_a_relay_killed_between_publish_and_mark_delivers_exactly_once(
    js, nats_url, database_url
):
    con = await asyncpg.connect(database_url)
    await migrate(con, discover("kit", KIT_MIGRATIONS))
    first = confirmed("iom:e-1")
    await commit_to_outbox(database_url, first)

    relay = await run_relay(nats_url, database_url, "pause")
    line = await asyncio.wait_for(relay.stdout.readline(), 30)
    assert line.decode().strip() == f"PUBLISHED {first.id}"
    relay.send_signal(signal.SIGKILL)
    await relay.wait()
    assert (
        await con.fetchval("SELECT published_at FROM outbox WHERE event_id = $1", first.id) is None
    )

    # Committed while no relay runs: must go out after the restart too.
    second = confirmed("iom:e-2")
    await commit_to_outbox(database_url, second)

    relay = await run_relay(nats_url, database_url, "normal")
    out, _ = await asyncio.wait_for(relay.communicate(), 30)
    assert relay.returncode == 0, out
    assert "DRAINED 2" in out.decode()

    msgs = await read_stream(js, "ENROLMENT")
    assert [m.headers["Nats-Msg-Id"] for m in msgs] == [first.id, second.id]
    unpublished = await con.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
    assert unpublished == 0
    await con.close()


async def test_a_relay_outlives_a_postgresql_restart_and_publishes_what_came_after(tmp_path):
    from cohort_cli.embedded import EmbeddedPostgres, free_port
    from cohort_kit.db import create_pool
    from cohort_kit.relay import OutboxRelay

    port = free_port()
    server = await asyncio.to_thread(EmbeddedPostgres(tmp_path, port, durable=False).start)
    pool = await create_pool(server.dsn, max_size=5, command_timeout=5)
    async with pool.acquire() as con:
        await migrate(con, discover("kit", KIT_MIGRATIONS))
    published: list[str] = []

    async def publish(subject, body, headers, stream):
        published.append(headers["Nats-Msg-Id"])

    relay = OutboxRelay(pool, publish, service="test", poll_seconds=0.5)
    running = asyncio.ensure_future(relay.run())
    try:
        await asyncio.sleep(1)  # listening
        await asyncio.to_thread(server.stop)
        await asyncio.sleep(3)  # rounds fail while it is down
        server = await asyncio.to_thread(EmbeddedPostgres(tmp_path, port, durable=False).start)
        await commit_to_outbox(server.dsn, confirmed("iom:e-after"))
        for _ in range(60):
            if published:
                break
            await asyncio.sleep(0.25)
        assert not running.done(), running.exception() if running.done() else None
        assert len(published) == 1
    finally:
        relay.stop()
        running.cancel()
        await pool.close()
        await asyncio.to_thread(server.stop)
