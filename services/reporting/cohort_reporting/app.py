"""Wiring of the reporting service: its consumers, migrations, HTTP routes and publisher."""

from __future__ import annotations

import asyncio
from pathlib import Path

from cohort_kit import Runtime, ServiceDefinition
from fastapi import APIRouter

from . import erasure
from .api import make_api
from .handlers import ROUTERS
from .publisher import run_publisher
from .settings import ReportingSettings

MIGRATIONS = Path(__file__).parent / "migrations"


async def session_summaries(runtime: Runtime) -> None:
    settings = runtime.settings
    assert isinstance(settings, ReportingSettings) and runtime.pool is not None
    if not settings.publish_reports:
        # Off (a projection-only replica, a bench): stay idle rather than return, which the
        # supervisor would take for a crash and restart every second.
        await asyncio.Event().wait()
    await run_publisher(
        runtime.pool,
        settings.summary_poll_seconds,
        settings.summary_quiet_seconds,
        runtime.caught_up,
    )


def routes(runtime: Runtime) -> APIRouter:
    router = make_api(runtime)
    router.include_router(erasure.access(runtime))
    return router


definition = ServiceDefinition(
    name="reporting",
    # `reporting-ticks` (periodic reports) is not attached yet: see README.
    routers=dict(ROUTERS),
    migrations=MIGRATIONS,
    settings_cls=ReportingSettings,
    http_routes=routes,
    background=[session_summaries],
    publishes_to=("REPORTS", "PRIVACY"),
)
