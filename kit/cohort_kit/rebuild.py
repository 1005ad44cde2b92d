"""Rebuild a service's projections from the streams into an empty database.

Every consumer's stream is read from its first message through `redaction.read_stream`,
so a redacted slot replays as its redaction record and a gap nothing explains stops the
rebuild (`UnexplainedGap`). The same handlers apply the same events, with the inbox, and
the erasure requests replay at their own positions, so the result equals the live state
(`rebuild(log after erasure) == live state`). The outbox is muted: rows are written but
nothing relays them, so nothing already published is published again.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import nats
import structlog
from cohort_contracts import REGISTRY, ContractError
from cohort_contracts import streams as topo

from . import inbox
from .db import create_pool, migrate, service_migrations
from .redaction import read_stream
from .service import ServiceDefinition
from .settings import ServiceSettings
from .units import Router, Unit

log = structlog.get_logger(__name__)


async def rebuild(
    definition: ServiceDefinition,
    nats_url: str,
    database_url: str,
    settings: ServiceSettings | None = None,
) -> dict[str, int]:
    """Replay every consumer of `definition` into `database_url` (a fresh database).

    The handlers get the dependencies the definition builds from `settings` (by default
    the service's settings from the environment, as its process would read them)."""
    if settings is None:
        settings = definition.settings_cls(nats_url=nats_url, database_url=database_url)
    context = {"deps": definition.build_deps(settings), "settings": settings}
    pool = await create_pool(database_url)
    nc = await nats.connect(nats_url)
    applied: dict[str, int] = {}
    try:
        async with pool.acquire() as con:
            await migrate(con, service_migrations(definition.name, definition.migrations))
        js = nc.jetstream()
        for durable, router in definition.routers.items():
            spec = topo.consumer(durable)
            async for m in read_stream(js, spec.stream, spec.filter_subjects):
                async with pool.acquire() as con, con.transaction():
                    if await apply(
                        con, definition.name, durable, router, m.subject, m.data, m.seq, context
                    ):
                        applied[durable] = applied.get(durable, 0) + 1
    finally:
        await nc.drain()
        await pool.close()
    log.info("rebuild done", service=definition.name, applied=applied)
    return applied


async def apply(
    con: asyncpg.Connection,
    service: str,
    durable: str,
    router: Router,
    subject: str,
    data: bytes,
    seq: int | None = None,
    context: dict[str, Any] | None = None,
) -> bool:
    """Apply one message as the live consumer would have (the inbox keeps it once)."""
    try:
        event: Any = REGISTRY.parse(data, subject)
    except ContractError:
        return False  # the live consumer dead-lettered it
    handler = router.handler_for(event.type)
    if handler is None:
        return False
    try:
        async with con.transaction():  # a savepoint: a refused event leaves no trace
            if not await inbox.record(con, durable, event):
                return False
            unit = Unit(
                con=con, event=event, service=service, final=True, stream_seq=seq, **(context or {})
            )
            await handler(unit)
    except Exception as exc:
        # The live consumer dead-lettered what a handler refused; so does the rebuild.
        log.info("not applied in rebuild", error=repr(exc)[:200])
        return False
    return True
