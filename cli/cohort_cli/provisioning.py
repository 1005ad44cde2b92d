"""`cohort provision`: streams, consumers, one database per service, migrations."""

from __future__ import annotations

from dataclasses import replace

import asyncpg
import nats
from cohort_contracts.streams import TOPOLOGY, ConsumerSpec, Topology
from cohort_kit.db import ensure_database, migrate, service_migrations, with_database
from cohort_kit.topology import provision

from .services import SERVICES, database_name, definition


def replicated(replicas: int, subscribers: tuple[ConsumerSpec, ...] = ()) -> Topology:
    """The declared topology with every stream at `replicas` (a deployment choice), plus the
    subscribers' consumers of an access file (`access.subscriber_consumers`)."""
    streams = tuple(replace(s, replicas=replicas) for s in TOPOLOGY.streams)
    return Topology(streams=streams, consumers=TOPOLOGY.consumers + subscribers)


async def provision_streams(
    nats_url: str, replicas: int = 1, subscribers: tuple[ConsumerSpec, ...] = ()
) -> list[str]:
    nc = await nats.connect(
        [u.strip() for u in nats_url.split(",")], connect_timeout=5, max_reconnect_attempts=3
    )
    try:
        return await provision(nc.jetstream(), replicated(replicas, subscribers))
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
            # Where the service has its own role of the same name (compose, production),
            # its tables must belong to it: migrate as that role.
            if await con.fetchval("SELECT true FROM pg_roles WHERE rolname = $1", name):
                await con.execute(f'SET ROLE "{name}"')
            migrations = service_migrations(service, definition(service).migrations)
            done += [f"{name}: {m}" for m in await migrate(con, migrations)]
        finally:
            await con.close()
    return done
