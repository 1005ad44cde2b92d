"""The running ingress: one NATS connection, no database, an HTTP app; start, stop, serve.

The kit's `Runtime` is built around a database and durable consumers; the ingress has
neither (it only publishes, and reads DEADLETTER through short-lived consumers), so it keeps
its own small lifecycle and reuses the kit's pieces (HTTP app, logging, topology check).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace

import nats
import structlog
from cohort_contracts import streams as topo
from cohort_kit.logs import configure_logging
from cohort_kit.service import wait_for_dependency
from cohort_kit.serving import start_http, stop_on_signals
from cohort_kit.topology import verify
from cohort_kit.tracing import configure_tracing
from fastapi import FastAPI
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from .intake import Publish
from .limits import Limits
from .publisher import IntakePublisher
from .ratelimit import RateLimiter
from .settings import IngressSettings

log = structlog.get_logger(__name__)


class Ingress:
    def __init__(self, settings: IngressSettings) -> None:
        self.settings = settings
        self.limits = Limits.of(settings)
        self.limiter = RateLimiter(settings.rate_limit_per_minute)
        self.retry_after = settings.retry_after_seconds
        self.rejections_max = settings.rejections_max
        self.nc: NATS | None = None
        self.publish: Publish | None = None  # tests wrap it to inject faults
        from .app import make_app  # app.py wires this object into routes

        self.http_app: FastAPI = make_app(self)

    def publisher(self) -> Publish:
        assert self.publish is not None, "ingress not started"
        return self.publish

    def jetstream(self) -> JetStreamContext:
        assert self.nc is not None, "ingress not started"
        return self.nc.jetstream()

    async def start(self) -> None:
        s = self.settings
        self.nc = await wait_for_dependency("NATS", s.startup_wait_seconds, self._connect)
        # Publishing needs INTAKE as declared (its duplicate window is the dedupe guarantee).
        streams = [replace(topo.stream(n), replicas=s.stream_replicas) for n in ("INTAKE",)]
        await verify(self.nc.jetstream(), streams, [])
        self.publish = IntakePublisher(self.nc, s.publish_timeout_seconds)
        log.info("ingress started")

    async def _connect(self) -> NATS:
        return await nats.connect(
            [u.strip() for u in self.settings.nats_url.split(",")],
            name="cohort-ingress",
            connect_timeout=5,
            max_reconnect_attempts=-1,
            reconnect_time_wait=1,
        )

    async def stop(self) -> None:
        if self.nc is not None:
            with contextlib.suppress(Exception):
                await self.nc.drain()
        log.info("ingress stopped")

    async def readiness(self) -> dict[str, bool]:
        return {"nats": self.nc is not None and self.nc.is_connected}


async def serve(settings: IngressSettings) -> None:
    """Run until SIGTERM or SIGINT: finish the requests in flight, then close NATS."""
    ingress = Ingress(settings)
    # Started first: a SIGTERM while still waiting for NATS ends the process at once.
    await ingress.start()
    stop = stop_on_signals()
    server, task = start_http(ingress.http_app, settings.http_host, settings.http_port)
    log.info("ready", http_port=settings.http_port)
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait([task, stopping], return_when=asyncio.FIRST_COMPLETED)
    if task.done():  # the HTTP server ended by itself (e.g. the port is taken): fail loudly
        stopping.cancel()
        await ingress.stop()
        log.error("HTTP server ended; stopping", http_port=settings.http_port)
        raise SystemExit(1)
    server.should_exit = True
    await task
    await ingress.stop()


def run() -> None:
    settings = IngressSettings()
    configure_logging("ingress", settings.log_format, settings.log_level)
    configure_tracing("ingress")
    asyncio.run(serve(settings))
