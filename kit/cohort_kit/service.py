"""One place that builds a service: pool, migrations, broker, consumers, relay, HTTP.

A service declares a `ServiceDefinition` (its routers per durable consumer, migrations,
HTTP routes, and `deps`: what its handlers need, built once from the settings); `Runtime`
builds the dependencies, hands them to every handler (`unit.deps`) and starts and stops
it. Tests start a `Runtime` in their own event loop against the real servers; `run()` is
the process entry point with signal handling.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import structlog
from cohort_contracts import streams as topo
from fastapi import APIRouter, FastAPI
from faststream.nats import NatsBroker

from .auth import authenticator_from_settings, undeclared_routes
from .broker import PULL_TIMEOUT_SECONDS, attach, jetstream_publisher, make_broker
from .consumer import MessageLimits, MessageProcessor, RetryPolicy
from .db import create_pool, migrate, service_migrations
from .deadletter import DeadLetters
from .errors import is_transient
from .http import make_http_app
from .logs import configure_logging
from .relay import OutboxRelay
from .serving import start_http, stop_on_signals
from .settings import ServiceSettings, load_settings
from .shutdown import within
from .topology import verify
from .tracing import configure_tracing
from .units import Router

log = structlog.get_logger(__name__)
T = TypeVar("T")


@dataclass
class ServiceDefinition:
    name: str
    routers: dict[str, Router]  # durable consumer name -> handlers
    migrations: Path
    settings_cls: type[ServiceSettings] = ServiceSettings
    http_routes: Callable[[Runtime], APIRouter] | None = None
    background: list[Callable[[Runtime], Awaitable[None]]] = field(default_factory=list)
    publishes_to: tuple[str, ...] = ()  # stream names the outbox relay publishes to
    # Settings -> the service's dependencies (signer, senders, clock...), built once per
    # runtime; handlers read them as `unit.deps`, routes and jobs as `runtime.deps`. Tests
    # swap them for fakes here: `replace(definition, deps=lambda s: Deps(..., clock=fake))`.
    deps: Callable[[Any], Any] | None = None

    def build_deps(self, settings: ServiceSettings) -> Any:
        return None if self.deps is None else self.deps(settings)


class Runtime:
    def __init__(self, definition: ServiceDefinition, settings: ServiceSettings) -> None:
        self.definition = definition
        self.settings = settings
        self.name = definition.name
        self.pool: asyncpg.Pool | None = None
        self.broker: NatsBroker | None = None
        self.relay: OutboxRelay | None = None
        self.processors: list[MessageProcessor] = []
        self._subscribers: list[Any] = []
        self.state: dict[str, Any] = {}  # for services' own long-lived objects
        self.deps: Any = definition.build_deps(settings)
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self._in_flight_done = False
        self.http_app: FastAPI = self._make_http_app()

    async def start(self) -> None:
        s = self.settings
        # A service (re)started while PostgreSQL or NATS is down waits for them: a transient
        # outage must not end the process. A wrong configuration still fails at once.
        self.pool = await wait_for_dependency(
            "PostgreSQL", s.startup_wait_seconds, self._connect_db
        )
        self.broker = make_broker(s.nats_url, f"cohort-{self.name}")
        await wait_for_dependency("NATS", s.startup_wait_seconds, self.broker.connect)
        await self._verify_topology()
        publish = jetstream_publisher(self.broker)
        deadletters = DeadLetters(self.name, publish)
        retry = RetryPolicy(
            window_seconds=s.retry_window_seconds,
            max_delay_seconds=s.retry_max_delay_seconds,
            handler_failure_limit=s.handler_failure_limit,
        )
        limits = MessageLimits(max_bytes=s.max_message_bytes, max_depth=s.max_json_depth)
        for durable, router in self.definition.routers.items():
            spec = topo.consumer(durable)
            processor = MessageProcessor(
                service=self.name,
                consumer=spec,
                router=router,
                pool=self.pool,
                deadletters=deadletters,
                retry=retry,
                limits=limits,
                deps=self.deps,
                settings=s,
            )
            self._subscribers.append(
                attach(self.broker, spec, processor, max_batch=s.consumer_batch_max)
            )
            self.processors.append(processor)
        self.relay = OutboxRelay(
            self.pool,
            publish,
            service=self.name,
            batch=s.relay_batch,
            poll_seconds=s.relay_poll_seconds,
        )
        await self.broker.start()
        for puller in self._subscribers:
            await puller.start()
        self._spawn("outbox relay", self.relay.run)
        for job in self.definition.background:
            self._spawn(getattr(job, "__name__", "background job"), functools.partial(job, self))
        log.info("service started", consumers=list(self.definition.routers))

    async def _connect_db(self) -> asyncpg.Pool:
        s = self.settings
        pool = await create_pool(
            s.database_url,
            min_size=s.db_pool_min,
            max_size=s.db_pool_max,
            command_timeout=s.db_command_timeout,
        )
        try:
            async with pool.acquire() as con:
                await migrate(con, service_migrations(self.name, self.definition.migrations))
        except BaseException:
            pool.terminate()
            raise
        return pool

    async def stop_fetching(self) -> None:
        """First step of a shutdown: take no new message.

        The pull loops are not cancelled while they may be fetching: a cancelled fetch can
        already hold a message NATS assigned to it, which would then wait out the ack
        timeout. Instead each processor hands back (NAK) the next message it is given and
        its subscriber stops itself (`broker.attach`); a loop that stays idle for a whole
        pull is stopped after it.
        """
        self._stopping = True
        for processor in self.processors:
            processor.draining = True
        await self._finish_in_flight()
        loops = [t for s in self._subscribers for t in getattr(s, "tasks", []) if not t.done()]
        if loops:
            await asyncio.wait(loops, timeout=PULL_TIMEOUT_SECONDS + 1)
        for subscriber in self._subscribers:
            grace = self.settings.shutdown_grace_seconds
            await within(grace, f"stop pulling {subscriber.spec.durable}", subscriber.stop())
        self._subscribers.clear()

    async def _finish_in_flight(self) -> None:
        """Let the message each consumer has in hand finish (commit and ack), within the grace."""
        if self._in_flight_done:
            return
        deadline = asyncio.get_running_loop().time() + self.settings.shutdown_grace_seconds
        while any(p.in_flight for p in self.processors):
            if asyncio.get_running_loop().time() > deadline:
                log.warning("shutdown grace over with messages in flight; NATS will redeliver")
                break
            await asyncio.sleep(0.02)
        self._in_flight_done = True

    async def stop(self) -> None:
        """Stop fetching, finish in-flight messages, hand the rest back to NATS, then close."""
        await self.stop_fetching()
        # Every step is bounded (`within`): a stop that hangs would hold a deployment's
        # rollout, or a test run, where a stuck step only costs its own time.
        relay_task = self._tasks[0] if self._tasks else None
        if self.relay is not None and relay_task is not None:
            self.relay.stop()  # ends after its current round, while NATS is still connected
            await within(5, "outbox relay's last round", asyncio.shield(relay_task))
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            await within(5, f"cancel {task.get_name()}", task)
        if self.broker is not None:
            await within(10, "close the NATS connection", self.broker.stop())
        if self.pool is not None and not await within(5, "close the pool", self.pool.close()):
            log.warning("database connections still busy after 5s; terminating them")
            self.pool.terminate()
        log.info("service stopped")

    async def caught_up(self) -> bool:
        """True when none of this service's consumers has messages waiting or in flight.

        For work that must see everything applied first (e.g. a report for a closed
        period): a quiet spell alone can hide messages waiting for a retry.
        """
        if self.broker is None:
            return False
        js = self.broker.connection.jetstream()
        for processor in self.processors:
            spec = processor.consumer
            info = await js.consumer_info(spec.stream, spec.durable)
            if info.num_pending or info.num_ack_pending:
                return False
        return True

    async def readiness(self) -> dict[str, bool]:
        checks = {"nats": False, "postgres": False}
        if self.broker is not None:
            with contextlib.suppress(Exception):
                checks["nats"] = self.broker.connection.is_connected
        if self.pool is not None:
            with contextlib.suppress(Exception):
                async with self.pool.acquire(timeout=2) as con:
                    checks["postgres"] = await con.fetchval("SELECT true")
        return checks

    async def _verify_topology(self) -> None:
        assert self.broker is not None
        js = self.broker.connection.jetstream()
        consumers = [topo.consumer(d) for d in self.definition.routers]
        names = {c.stream for c in consumers} | set(self.definition.publishes_to)
        names.add(topo.DEADLETTER.name)
        replicas = self.settings.stream_replicas
        streams = [replace(topo.stream(n), replicas=replicas) for n in sorted(names)]
        await verify(js, streams, consumers)

    def _make_http_app(self) -> FastAPI:
        app = make_http_app(
            self.name, self.readiness, auth=authenticator_from_settings(self.settings)
        )
        if self.definition.http_routes is not None:
            app.include_router(self.definition.http_routes(self))
        # Deny by default: a route that does not say who may call it is a bug, not a default.
        if missing := undeclared_routes(app):
            raise RuntimeError(f"{self.name}: routes without an access rule: {missing}")
        return app

    def _spawn(self, name: str, start: Callable[[], Awaitable[None]]) -> None:
        """Run a long-lived job; if it ever ends or fails while the service runs, log why
        and start it again (a silently dead relay would leave events unpublished)."""

        async def supervised() -> None:
            while True:
                try:
                    await start()
                    if self._stopping:
                        return
                    log.error(f"{name} ended unexpectedly; restarting it")
                except asyncio.CancelledError:
                    task = asyncio.current_task()
                    if self._stopping or (task is not None and task.cancelling()):
                        raise
                    log.error(f"{name} was cancelled from inside; restarting it")
                except Exception as exc:
                    log.error(f"{name} failed; restarting it", error=repr(exc), exc_info=True)
                await asyncio.sleep(1.0)

        self._tasks.append(asyncio.create_task(supervised(), name=name))


async def wait_for_dependency(
    what: str, limit_seconds: float, connect: Callable[[], Awaitable[T]]
) -> T:
    """Call `connect` until it succeeds, retrying transient errors for up to `limit_seconds`."""
    deadline = asyncio.get_running_loop().time() + limit_seconds
    delay = 0.2
    while True:
        try:
            return await connect()
        except Exception as exc:
            if not is_transient(exc) or asyncio.get_running_loop().time() > deadline:
                raise
            log.warning(f"waiting for {what}", error=repr(exc), retry_in=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


async def serve(definition: ServiceDefinition, settings: ServiceSettings) -> None:
    """Run until SIGTERM or SIGINT; then shut down gracefully."""
    runtime = Runtime(definition, settings)
    stop = stop_on_signals()
    await runtime.start()
    server = None
    server_task = None
    if settings.http_port:
        server, server_task = start_http(runtime.http_app, settings.http_host, settings.http_port)
    log.info("ready", http_port=settings.http_port)
    await stop.wait()
    log.info("shutting down")
    await runtime.stop_fetching()  # before anything else: a backlog must not keep us busy
    if server is not None and server_task is not None:
        server.should_exit = True
        await server_task
    await runtime.stop()


def run(definition: ServiceDefinition) -> None:
    """Console-script entry point of a service process."""
    settings = load_settings(definition.settings_cls)
    configure_logging(definition.name, settings.log_format, settings.log_level)
    configure_tracing(definition.name)
    asyncio.run(serve(definition, settings))
