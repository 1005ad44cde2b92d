"""Wiring of the notification service: its consumers, workers, migrations and HTTP routes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cohort_kit import Runtime, ServiceDefinition
from fastapi import APIRouter

from . import digest, erasure, reminders
from .api import make_api
from .handlers import make_routers
from .notifier import Clock, Notifier, utcnow
from .settings import NotificationSettings
from .worker import DeliveryWorker


def build(settings: NotificationSettings | None = None, clock: Clock = utcnow) -> ServiceDefinition:
    notifier = Notifier(settings or NotificationSettings(), clock)

    def configure(runtime: Runtime) -> Notifier:
        # The runtime's settings are the ones in force (tests pass their own).
        notifier.settings = runtime.settings  # type: ignore[assignment]
        return notifier

    async def deliveries(runtime: Runtime) -> None:
        n = configure(runtime)
        assert runtime.pool is not None and runtime.broker is not None
        worker = DeliveryWorker(runtime.pool, n.settings, clock=clock)
        runtime.state["worker"] = worker
        await worker.run(runtime.broker.connection.jetstream())

    async def due_reminders(runtime: Runtime) -> None:
        await reminders.consume(runtime, configure(runtime))

    async def digests(runtime: Runtime) -> None:
        assert runtime.pool is not None
        await digest.run(runtime.pool, configure(runtime))

    def http(runtime: Runtime) -> Any:
        router = APIRouter()  # make_api's router has its own prefix
        router.include_router(make_api(runtime))
        router.include_router(erasure.access(runtime))
        return router

    routers = make_routers(notifier)
    erasure.register(routers["notification-intake"])
    return ServiceDefinition(
        name="notification",
        routers=routers,
        migrations=Path(__file__).parent / "migrations",
        settings_cls=NotificationSettings,
        http_routes=http,
        background=[deliveries, due_reminders, digests],
        publishes_to=("NOTIFICATION", "PRIVACY"),
    )


definition = build()
