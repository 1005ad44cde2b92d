"""A batch-probe service in its own process, for the SIGKILL test.

`python -m tests.integration.batch_process NATS_URL DATABASE_URL SLOW_SECONDS` runs the
service with every application slowed down, until it is killed.
"""

from __future__ import annotations

import asyncio
import sys

from cohort_kit import Runtime

from tests.integration import batch_probe


async def main(nats_url: str, database_url: str, slow: str) -> None:
    batch_probe.behaviour["slow_seconds"] = float(slow)
    runtime = Runtime(batch_probe.definition(), batch_probe.settings(nats_url, database_url))
    await runtime.start()
    print("STARTED", flush=True)
    await asyncio.sleep(3600)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
