"""PostgreSQL: one pool per process, JSON codecs, forward-only SQL migrations.

Why not alembic or yoyo: both drive migrations through a synchronous driver (and alembic
through SQLAlchemy), which we would install only for this. Our migrations are plain,
forward-only SQL files; applying them in order, each in its own transaction, under an
advisory lock and recorded in a table, is the whole job (docs/decisions/0002-migrations.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import structlog

log = structlog.get_logger(__name__)

KIT_MIGRATIONS = Path(__file__).parent / "migrations"
_MIGRATION_LOCK = 0x0C0407  # any constant: all migrators of one database take this lock


async def _init_connection(con: asyncpg.Connection) -> None:
    for kind in ("json", "jsonb"):
        await con.set_type_codec(kind, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def create_pool(
    dsn: str, *, min_size: int = 1, max_size: int = 5, command_timeout: float = 10.0
) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        command_timeout=command_timeout,
        init=_init_connection,
    )
    assert pool is not None
    return pool


@dataclass(frozen=True)
class Migration:
    component: str
    version: str
    path: Path


def discover(component: str, folder: Path) -> list[Migration]:
    return [Migration(component, p.stem, p) for p in sorted(folder.glob("*.sql"))]


async def migrate(con: asyncpg.Connection, migrations: list[Migration]) -> list[str]:
    """Apply what is missing, in order; return the versions applied now."""
    applied_now: list[str] = []
    await con.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)
    try:
        await con.execute(
            """CREATE TABLE IF NOT EXISTS cohort_migrations (
                   component text NOT NULL,
                   version text NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT now(),
                   PRIMARY KEY (component, version))"""
        )
        rows = await con.fetch("SELECT component, version FROM cohort_migrations")
        done = {(r["component"], r["version"]) for r in rows}
        for m in migrations:
            if (m.component, m.version) in done:
                continue
            async with con.transaction():
                await con.execute(m.path.read_text())
                await con.execute(
                    "INSERT INTO cohort_migrations (component, version) VALUES ($1, $2)",
                    m.component,
                    m.version,
                )
            applied_now.append(f"{m.component}/{m.version}")
            log.info("migration applied", component=m.component, version=m.version)
    finally:
        await con.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK)
    return applied_now


def service_migrations(service: str, folder: Path) -> list[Migration]:
    """The kit's tables (outbox, inbox) first, then the service's own."""
    return discover("kit", KIT_MIGRATIONS) + discover(service, folder)


def with_database(dsn: str, database: str) -> str:
    """The same server and credentials, another database."""
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path="/" + database))


async def ensure_database(admin_dsn: str, database: str) -> bool:
    """Create `database` if missing; return True when it was created."""
    con = await asyncpg.connect(admin_dsn)
    try:
        exists = await con.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if exists:
            return False
        # Identifiers cannot be parameters; quote_ident makes the name safe.
        quoted = await con.fetchval("SELECT quote_ident($1)", database)
        await con.execute(f"CREATE DATABASE {quoted}")
        return True
    finally:
        await con.close()
