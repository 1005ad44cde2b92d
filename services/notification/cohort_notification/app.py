"""Wiring of the notification service: its consumers, workers, dependencies and routes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cohort_kit import Runtime, ServiceDefinition
from fastapi import APIRouter

from . import deps, digest, erasure
from .api import make_api
from .decisions import certificates, enrolment
from .handlers import intake, reports
from .reminders import reminders
from .settings import NotificationSettings
from .worker import DeliveryWorker

erasure.register(intake)


async def deliveries(runtime: Runtime) -> None:
    assert runtime.pool is not None and runtime.broker is not None
    worker = DeliveryWorker(runtime.pool, runtime.deps.settings, clock=runtime.deps.clock)
    runtime.state["worker"] = worker
    await worker.run(runtime.broker.connection.jetstream())


async def digests(runtime: Runtime) -> None:
    assert runtime.pool is not None
    await digest.run(runtime.pool, runtime.deps.notifier)


def http(runtime: Runtime) -> Any:
    router = APIRouter()  # make_api's router has its own prefix
    router.include_router(make_api(runtime))
    router.include_router(erasure.access(runtime))
    return router


definition = ServiceDefinition(
    name="notification",
    routers={
        "notification-intake": intake,
        "notification-enrolment": enrolment,
        "notification-certificates": certificates,
        "notification-reminders": reminders,
        "notification-reports": reports,
    },
    migrations=Path(__file__).parent / "migrations",
    settings_cls=NotificationSettings,
    deps=deps.build,
    http_routes=http,
    background=[deliveries, digests],
    publishes_to=("NOTIFICATION", "PRIVACY"),
)
