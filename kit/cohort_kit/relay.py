"""Outbox relay: publishes committed outbox rows to JetStream, exactly once in effect.

A row is marked published only after the server's PubAck, in the transaction that claimed
it. A crash between PubAck and commit republishes the row with the same `Nats-Msg-Id`, and
the stream's duplicate window absorbs it. One relay at a time publishes (a transaction-level
advisory lock), so events leave in the order they were committed, whatever the replicas.
A round publishes its rows concurrently (PubAcks awaited together) and marks them in one
statement; `_publish_all` says how commit order survives a publish lost mid-round.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import structlog

from .errors import is_transient
from .metrics import OUTBOX_LAG, OUTBOX_PENDING, OUTBOX_PUBLISHED
from .outbox import NOTIFY_CHANNEL

log = structlog.get_logger(__name__)

Publish = Callable[[str, bytes, dict[str, str], str], Awaitable[Any]]
_RELAY_LOCK = 0x0C0408
ACQUIRE_TIMEOUT = 10.0  # a pool that cannot give a connection is an outage, not a wait
ROUND_TIMEOUT = 60.0  # one relay round (a batch of publishes) at most
EXPECTED_LAST_ID = "Nats-Expected-Last-Msg-Id"

CLAIM = """
SELECT seq, event_id, subject, stream, body, headers::text AS headers FROM outbox
WHERE published_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED
"""


class OutboxRelay:
    def __init__(
        self,
        pool: asyncpg.Pool,
        publish: Publish,
        *,
        service: str,
        batch: int = 200,
        poll_seconds: float = 1.0,
        after_publish: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        self._pool = pool
        self._publish = publish
        self._service = service
        self._batch = batch
        self._poll = poll_seconds
        self._wake = asyncio.Event()
        self._stopping = False
        # Test seam: runs after a PubAck and before the row is marked (fault injection).
        self._after_publish = after_publish
        self._lag_observed_at = 0.0

    async def drain_once(self) -> int:
        """Publish one batch; return how many rows were published."""
        started = time.perf_counter()
        async with self._pool.acquire(timeout=ACQUIRE_TIMEOUT) as con, con.transaction():
            if not await con.fetchval("SELECT pg_try_advisory_xact_lock($1)", _RELAY_LOCK):
                return 0
            rows = await con.fetch(CLAIM, self._batch)
            published, failure = await self._publish_all(rows)
            # Marked only after their PubAcks, in one statement.
            await con.execute(
                "UPDATE outbox SET published_at = now(), attempts = attempts + 1 "
                "WHERE seq = any($1::bigint[])",
                published,
            )
        OUTBOX_PUBLISHED.labels(self._service).inc(len(published))
        if rows:
            log.info(
                "outbox batch published",
                rows=len(rows),
                published=len(published),
                ms=round((time.perf_counter() - started) * 1000, 1),
            )
        if failure is not None:
            raise failure
        return len(published)

    async def _publish_all(self, rows: list[asyncpg.Record]) -> tuple[list[int], Exception | None]:
        """Publish every row at once, awaiting the PubAcks together; keep commit order.

        Each row whose predecessor in the batch went to the same stream carries
        `Nats-Expected-Last-Msg-Id` with that predecessor's id: if one publish is lost (a
        connection cut mid-batch), the server refuses the rows behind it instead of storing
        them ahead of it, and they are published again, in order, next round. The first
        row per stream needs no such check: its predecessors were acknowledged in an
        earlier round. Returns the acknowledged rows and the first failure.
        """
        last_in_stream: dict[str, str] = {}
        sends = []
        for row in rows:
            headers = {**json.loads(row["headers"]), "Nats-Msg-Id": row["event_id"]}
            previous = last_in_stream.get(row["stream"])
            if previous is not None:
                headers[EXPECTED_LAST_ID] = previous
            last_in_stream[row["stream"]] = row["event_id"]
            sends.append(self._publish(row["subject"], row["body"], headers, row["stream"]))
        results = await asyncio.gather(*sends, return_exceptions=True)
        published: list[int] = []
        failure: Exception | None = None
        for row, result in zip(rows, results, strict=True):
            if isinstance(result, BaseException):
                if failure is None and isinstance(result, Exception):
                    failure = result
                continue
            if self._after_publish is not None:
                await self._after_publish(row["event_id"])
            published.append(row["seq"])
        return published, failure

    async def drain(self) -> int:
        total = 0
        while not self._stopping:
            n = await self.drain_once()
            total += n
            if n < self._batch:
                break
        return total

    async def run(self) -> None:
        """Publish until stopped; NOTIFY wakes it, a poll catches anything missed.

        Every round is bounded by `ROUND_TIMEOUT`: a database or NATS connection that dies
        half-way (seen while PostgreSQL shut down) must cost one round, never the relay.
        """
        listener = await self._listen()
        try:
            while not self._stopping:
                try:
                    await asyncio.wait_for(self._round(), ROUND_TIMEOUT)
                except Exception as exc:  # the relay must outlive outages
                    level = "warning" if is_transient(exc) else "error"
                    getattr(log, level)("outbox relay round failed", error=repr(exc))
                    await asyncio.sleep(min(self._poll, 1.0))
                if not _alive(listener):
                    await self._drop(listener)
                    listener = await self._listen()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._poll)
                self._wake.clear()
        finally:
            await self._drop(listener)

    async def _round(self) -> None:
        await self.drain()
        if time.monotonic() - self._lag_observed_at >= 1.0:
            await self._observe_lag()

    async def _drop(self, listener: asyncpg.Connection | None) -> None:
        """Give the LISTEN connection back; if that fails or hangs, cut it. Never raises:
        a connection lost in an outage must not end the relay (it once did)."""
        if listener is None:
            return
        with contextlib.suppress(Exception):
            if _alive(listener):
                await asyncio.wait_for(listener.remove_listener(NOTIFY_CHANNEL, self._on_notify), 5)
        try:
            await asyncio.wait_for(self._pool.release(listener), 5)
        except Exception:
            with contextlib.suppress(Exception):
                listener.terminate()

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def _listen(self) -> asyncpg.Connection | None:
        con = None
        try:
            con = await self._pool.acquire(timeout=ACQUIRE_TIMEOUT)
            await con.add_listener(NOTIFY_CHANNEL, self._on_notify)
            return con  # type: ignore[no-any-return]
        except Exception as exc:
            # Give the connection back, or every failed attempt would leak one from the
            # pool until the relay itself waits forever for a connection.
            if con is not None:
                with contextlib.suppress(Exception):
                    await self._pool.release(con)
            log.warning("outbox listener unavailable; polling only", error=repr(exc))
            return None

    async def _observe_lag(self) -> None:
        self._lag_observed_at = time.monotonic()
        async with self._pool.acquire(timeout=ACQUIRE_TIMEOUT) as con:
            row = await con.fetchrow(
                "SELECT count(*) AS n, coalesce(extract(epoch FROM now() - min(created_at)), 0) "
                "AS lag FROM outbox WHERE published_at IS NULL"
            )
        OUTBOX_PENDING.labels(self._service).set(row["n"])
        OUTBOX_LAG.labels(self._service).set(float(row["lag"]))


def _alive(listener: asyncpg.Connection | None) -> bool:
    """Whether the LISTEN connection still works. When PostgreSQL goes away, asyncpg may
    already have handed the connection back to the pool: then even asking raises."""
    if listener is None:
        return False
    try:
        return not listener.is_closed()
    except Exception:
        return False
