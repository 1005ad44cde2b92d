"""`cohort provision`: streams, consumers, one database per service, migrations."""

from __future__ import annotations

import asyncpg
import nats
from cohort_contracts.streams import TOPOLOGY
from cohort_kit.db import ensure_database, migrate, service_migrations, with_database
from cohort_kit.topology import provision

from .services import SERVICES, database_name, definition


async def provision_streams(nats_url: str) -> list[str]:
    nc = await nats.connect(nats_url, connect_timeout=5, max_reconnect_attempts=3)
    try:
        return await provision(nc.jetstream(), TOPOLOGY)
    finally:
        await nc.drain()


async def provision_databases(admin_dsn: str, services: tuple[str, ...] = SERVICES) -> list[str]:
    done: list[str] = []
    for service in services:
        name = database_name(service)
        if await ensure_database(admin_dsn, name):
            done.append(f"database {name} created")
        con = await asyncpg.connect(with_database(admin_dsn, name))
        try:
            migrations = service_migrations(service, definition(service).migrations)
            done += [f"{name}: {m}" for m in await migrate(con, migrations)]
        finally:
            await con.close()
    return done
