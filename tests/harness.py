"""Helpers the tests share: settings and running services, publishing intake events, reading
streams and dead-letters, waiting, serving an ASGI app on a real port."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import nats.errors
import pytest
from cohort_kit import Runtime, ServiceDefinition
from cohort_kit.settings import ServiceSettings
from hypothesis import HealthCheck, settings
from nats.js import JetStreamContext

S = TypeVar("S", bound=ServiceSettings)
# Hypothesis against real servers: examples are slow and share the test's fixtures (a fresh
# database per example is made inside the test). A test adds its own `max_examples`.
AGAINST_SERVERS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# What every in-process test service shares: no HTTP port of its own, a quick relay and
# quick retries (a test overrides what it is about).
QUICK = {"http_port": 0, "relay_poll_seconds": 0.2, "retry_max_delay_seconds": 0.5}


def quick_settings(cls: type[S], nats_url: str, database_url: str, **extra: Any) -> S:
    """Settings of class `cls` for a service under test on these servers."""
    return cls(**{**QUICK, "nats_url": nats_url, "database_url": database_url, **extra})


@asynccontextmanager
async def running(
    definition: ServiceDefinition, settings: ServiceSettings
) -> AsyncIterator[Runtime]:
    """A service started in this process, stopped when the block ends."""
    runtime = Runtime(definition, settings)
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop()


@asynccontextmanager
async def replicas(
    definition: ServiceDefinition, settings: ServiceSettings
) -> AsyncIterator[Callable[[], Awaitable[Runtime]]]:
    """`start()` starts one more replica of the service; all are stopped when the block ends."""
    async with AsyncExitStack() as stack:

        async def start() -> Runtime:
            return await stack.enter_async_context(running(definition, settings))

        yield start


def node_with_packages(folder: Path, needs: str) -> str:
    """The path of `node`, once `npm ci` has installed `folder`'s pinned packages (on first
    use); the test is skipped when Node.js or npm is not on PATH (`needs` says what for)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip(f"{needs} needs Node.js and npm on PATH (not found)")
    if not (folder / "node_modules").is_dir():
        try:
            done = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund"],
                cwd=folder,
                capture_output=True,
                text=True,
                timeout=180,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"npm ci in {folder} took more than 180 s")
        assert done.returncode == 0, f"npm ci failed:\n{done.stdout}\n{done.stderr}"
    return node


def docker_available() -> bool:
    try:
        import docker

        docker.from_env(timeout=2).ping()
        return True
    except Exception:
        return False


async def publish_raw(
    js: JetStreamContext, subject: str, body: bytes, msg_id: str | None = None
) -> Any:
    headers = {"Nats-Msg-Id": msg_id} if msg_id else None
    return await js.publish(subject, body, headers=headers)


async def publish_event(
    js: JetStreamContext, event: dict[str, Any], subject: str | None = None
) -> Any:
    """Publish a CloudEvent dict on its intake subject, with `Nats-Msg-Id` = id."""
    if subject is None:
        name = event["type"].rsplit(".", 1)[0]
        subject = f"intake.{event['agency']}.{name}"
    return await publish_raw(js, subject, json.dumps(event).encode(), event["id"])


async def read_stream(js: JetStreamContext, stream: str, subject: str | None = None) -> list[Any]:
    """Every message currently stored in `stream` (optionally one subject), in order."""
    info = await js.stream_info(stream)
    out = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        if info.state.messages == 0:
            break
        try:
            msg = await js.get_msg(stream, seq)
        except Exception:
            continue
        if subject is None or msg.subject == subject:
            out.append(msg)
    return out


async def rows(database_url: str, sql: str, *args: Any) -> list[Any]:
    """The rows of one query, on a connection of its own (closed afterwards)."""
    con = await asyncpg.connect(database_url)
    try:
        return await con.fetch(sql, *args)
    finally:
        await con.close()


async def value(database_url: str, sql: str, *args: Any) -> Any:
    """The first column of the first row of one query, on a connection of its own."""
    con = await asyncpg.connect(database_url)
    try:
        return await con.fetchval(sql, *args)
    finally:
        await con.close()


@asynccontextmanager
async def migrated_pool(database_url: str, definition: ServiceDefinition) -> AsyncIterator[Any]:
    """A pool on `database_url` holding the tables of `definition`'s service (no service)."""
    from cohort_kit.db import create_pool, migrate, service_migrations

    pool = await create_pool(database_url)
    try:
        async with pool.acquire() as con:
            await migrate(con, service_migrations(definition.name, definition.migrations))
        yield pool
    finally:
        await pool.close()


async def drain(sub: Any) -> list[Any]:
    """Fetch from a pull subscription until nothing is pending; acknowledge each message as
    it comes."""
    got: list[Any] = []
    while True:
        try:
            msgs = await sub.fetch(10, timeout=2)
        except (TimeoutError, nats.errors.TimeoutError):
            return got
        for msg in msgs:
            got.append(msg)
            await msg.ack_sync()


async def deadletters(js: JetStreamContext, subject: str | None = None) -> list[dict[str, Any]]:
    """The dead-letter records (decoded) now in DEADLETTER, optionally of one subject."""
    return [json.loads(m.data) for m in await read_stream(js, "DEADLETTER", subject)]


async def eventually(
    check: Callable[[], Awaitable[Any]], timeout: float = 20.0, interval: float = 0.05
) -> Any:
    """Poll `check` until it returns a truthy value; fail with its last value."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last: Any = None
    while loop.time() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s; last value: {last!r}")


def listening_socket() -> socket.socket:
    """A socket bound to a free port of 127.0.0.1, for a server whose URL is needed first."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def base_url(sock: socket.socket) -> str:
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


@asynccontextmanager
async def served(app: Any, sock: socket.socket | None = None) -> AsyncIterator[str]:
    """An ASGI app on a real port of 127.0.0.1 (uvicorn, in the test's loop): its base URL.
    Pass `sock` (from `listening_socket`) when the URL must be known before the app exists."""
    import uvicorn

    sock = sock or listening_socket()
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    )
    task = asyncio.ensure_future(server.serve(sockets=[sock]))
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.02)
    assert server.started, "uvicorn did not start"
    try:
        yield base_url(sock)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
        sock.close()
