"""Graceful shutdown under a backlog: a service process told to stop with thousands of
messages waiting stops fetching, finishes the one in hand, hands the rest back and exits on
its own within its grace period; every message not applied is still there for the next start.

The notification service is the one measured: besides its kit consumers it runs its own
workers and a reminders subscription (which once held shutdown for nats-py's 30 s drain).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys

import asyncpg
import pytest

from tests import factories
from tests.harness import eventually, publish_event

pytestmark = pytest.mark.integration
BACKLOG = 3000
GRACE_SECONDS = 5.0
# How long the test waits for the process to exit by itself before calling it hung:
# the grace period plus the fixed bounds of the relay round, NATS drain and pool close.
HUNG_AFTER_SECONDS = GRACE_SECONDS + 20


async def start_notification(nats_url: str, database_url: str) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "COHORT_NATS_URL": nats_url,
        "COHORT_DATABASE_URL": database_url,
        "COHORT_HTTP_PORT": "0",
        "COHORT_LOG_FORMAT": "json",
        "COHORT_LOG_LEVEL": "info",
        "COHORT_SHUTDOWN_GRACE_SECONDS": str(GRACE_SECONDS),
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cohort_notification",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


async def applied_count(database_url: str) -> int:
    con = await asyncpg.connect(database_url)
    try:
        if not await con.fetchval("SELECT to_regclass('inbox') IS NOT NULL"):
            return 0
        return int(await con.fetchval("SELECT count(*) FROM inbox"))
    finally:
        await con.close()


async def test_a_service_with_thousands_pending_stops_within_its_grace_and_loses_nothing(
    js, nats_url, database_url
):
    for n in range(BACKLOG):
        await publish_event(js, factories.participant(f"iom:p-stop-{n}"))
    proc = await start_notification(nats_url, database_url)
    await eventually(lambda: _at_least(database_url, 50), timeout=120)

    proc.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(proc.wait(), HUNG_AFTER_SECONDS)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        pytest.fail(f"the service did not exit within {HUNG_AFTER_SECONDS}s of SIGTERM")
    assert proc.stdout is not None
    output = (await proc.stdout.read()).decode()
    lines = [json.loads(x) for x in output.splitlines() if x[:1] == "{"]
    assert proc.returncode == 0, output[-3000:]
    events = [line.get("event") for line in lines]
    assert "service stopped" in events
    assert not [e for e in events if e and "grace over" in e]

    stopped_at = await applied_count(database_url)
    assert 0 < stopped_at < BACKLOG  # it stopped with a backlog still queued
    # Handed back means NAKed: JetStream keeps a NAKed message counted as ack-pending until
    # its redelivery, but gives it to the very next pull (a message dropped on the floor
    # would come back only after the 30 s ack wait, as a first delivery of nothing).
    info = await js.consumer_info("INTAKE", "notification-intake")
    assert info.ack_floor.stream_seq == stopped_at  # what was applied was acknowledged
    if info.num_ack_pending:
        pull = await js.pull_subscribe_bind("notification-intake", "INTAKE")
        back = await pull.fetch(info.num_ack_pending, timeout=5)
        assert [m.metadata.num_delivered for m in back] == [2] * info.num_ack_pending
        for m in back:
            await m.nak()
        await pull.unsubscribe()
    # Nothing lost: every message not applied is still there to be delivered.
    info = await js.consumer_info("INTAKE", "notification-intake")
    assert info.num_pending + info.num_ack_pending == BACKLOG - stopped_at


async def _at_least(database_url: str, n: int) -> bool:
    return await applied_count(database_url) >= n
