"""Fixtures of the reporting tests: the service against real NATS and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from cohort_kit import Runtime
from cohort_kit.db import migrate, service_migrations
from cohort_reporting.app import definition
from cohort_reporting.settings import ReportingSettings

from tests.conftest import fresh_database
from tests.harness import quick_settings, running


def reporting_settings(nats_url: str, database_url: str) -> ReportingSettings:
    return quick_settings(
        ReportingSettings,
        nats_url,
        database_url,
        summary_poll_seconds=0.2,
        summary_quiet_seconds=0.5,
    )


@pytest.fixture
async def reporting(js, nats_url: str, database_url: str) -> AsyncIterator[Runtime]:
    async with running(definition, reporting_settings(nats_url, database_url)) as runtime:
        yield runtime


@pytest.fixture
async def other_database_url(pg_admin_dsn: str) -> AsyncIterator[str]:
    """A second fresh database (for rebuilding projections next to the live ones)."""
    async with fresh_database(pg_admin_dsn) as url:
        yield url


@pytest.fixture
async def projections(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection to a fresh database holding the reporting service's tables (no service)."""
    con = await asyncpg.connect(database_url)
    await migrate(con, service_migrations(definition.name, definition.migrations))
    yield con
    await con.close()
