"""A relay in its own process, for the SIGKILL test.

`python -m tests.integration.relay_process NATS_URL DATABASE_URL pause` publishes one row,
prints `PUBLISHED <event id>` once the server has acknowledged it, and then hangs before
the row is marked: the test kills it exactly there.
"""

from __future__ import annotations

import asyncio
import sys

from cohort_kit.broker import jetstream_publisher, make_broker
from cohort_kit.db import create_pool
from cohort_kit.relay import OutboxRelay


async def main(nats_url: str, database_url: str, mode: str) -> None:
    pool = await create_pool(database_url)
    broker = make_broker(nats_url, "relay-test")
    await broker.connect()

    async def pause(event_id: str) -> None:
        print(f"PUBLISHED {event_id}", flush=True)
        await asyncio.sleep(3600)

    relay = OutboxRelay(
        pool,
        jetstream_publisher(broker),
        service="relay-test",
        after_publish=pause if mode == "pause" else None,
    )
    published = await relay.drain()
    print(f"DRAINED {published}", flush=True)
    await broker.stop()
    await pool.close()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
