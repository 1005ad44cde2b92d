"""Rebuild: replay every stream from its first message into empty projections.

    python -m cohort_reporting rebuild      (COHORT_DATABASE_URL = a fresh database)

The same handlers apply the same events, so the reports equal the incremental ones. The
streams are replayed one after the other; the projections do not depend on the relative
order of different consumers' messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import asyncpg
import nats
import structlog
from cohort_contracts import REGISTRY, ContractError
from cohort_contracts import streams as topo
from cohort_kit import Invalid, inbox, ownership
from cohort_kit.db import create_pool, migrate, service_migrations
from cohort_kit.redaction import StreamMessage, read_stream
from cohort_kit.units import Router, Unit
from nats.js import JetStreamContext

from . import store
from .handlers import ROUTERS

log = structlog.get_logger(__name__)
BATCH = 500


@dataclass
class RebuildStats:
    applied: dict[str, int] = field(default_factory=dict)
    skipped: int = 0


async def replay_consumer(
    js: JetStreamContext, pool: asyncpg.Pool, durable: str, router: Router, stats: RebuildStats
) -> None:
    """Replay one consumer's stream; redacted slots replay as their redaction records and
    an unexplained gap stops the rebuild (`cohort_kit.redaction`)."""
    spec = topo.consumer(durable)
    batch: list[StreamMessage] = []

    async def flush() -> None:
        async with pool.acquire() as con, con.transaction():
            for m in batch:
                if await _apply(con, durable, router, m.subject, m.data, m.seq):
                    stats.applied[durable] = stats.applied.get(durable, 0) + 1
                else:
                    stats.skipped += 1
        batch.clear()

    async for message in read_stream(js, spec.stream, spec.filter_subjects):
        batch.append(message)
        if len(batch) >= BATCH:
            await flush()
    if batch:
        await flush()


async def _apply(
    con: asyncpg.Connection,
    durable: str,
    router: Router,
    subject: str,
    data: bytes,
    seq: int | None = None,
) -> bool:
    try:
        event = REGISTRY.parse(data, subject)
    except ContractError:
        return False  # the live consumer dead-lettered it
    if ownership.applies_to(event):
        try:  # the same rule, in the same order, as the live consumer
            await ownership.enforce(con, event, seq)
        except Invalid:
            return False  # dead-lettered `not_owner` by the live consumer
    handler = router.handler_for(event.type)
    if handler is None:
        return False
    if not await inbox.record(con, durable, event):
        return False
    await handler(Unit(con=con, event=event, service="reporting", final=True))
    return True


async def rebuild(nats_url: str, database_url: str, *, reset: bool = True) -> RebuildStats:
    """Replay INTAKE, ENROLMENT, CERTIFICATION and NOTIFICATION into `database_url`."""
    pool = await create_pool(database_url)
    nc = await nats.connect(nats_url)
    stats = RebuildStats()
    try:
        async with pool.acquire() as con:
            from .app import MIGRATIONS

            await migrate(con, service_migrations("reporting", MIGRATIONS))
            if reset:
                await store.reset_projections(con)
        js = nc.jetstream()
        for durable, router in ROUTERS.items():
            await replay_consumer(js, pool, durable, router, stats)
    finally:
        await nc.drain()
        await pool.close()
    log.info("rebuild done", applied=stats.applied, skipped=stats.skipped)
    return stats
