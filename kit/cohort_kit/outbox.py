"""Transactional outbox: events are written with the state change that causes them.

A consumer applying a batch (`consumer.MessageProcessor.process_batch`) opens an
`OutboxBatch` for its transaction: `enqueue` on that connection then only collects the row,
and the batch writes every row of the messages that were applied in one statement before
its commit (rows of a message rolled back to its savepoint are dropped with it).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import asyncpg
from cohort_contracts import CloudEvent, encode

from .tracing import current_trace_headers

NOTIFY_CHANNEL = "cohort_outbox"
_DERIVED = uuid.UUID("6f1c1d4e-8f0b-4c7e-9a55-3c0b6b1f2a10")

Row = tuple[str, str, str, bytes, str]  # event_id, subject, stream, body, headers (JSON)

# One statement for the row and a NOTIFY that only wakes the relay (the table is the source
# of truth; the notification is delivered at commit, or not at all).
_ONE = """WITH added AS (
               INSERT INTO outbox (event_id, subject, stream, body, headers)
               VALUES ($1, $2, $3, $4, $5::text::jsonb)
               ON CONFLICT (event_id) DO NOTHING)
           SELECT pg_notify($6, '')"""
# The rows of a batch, in the order they were emitted (`seq` follows `ord`).
_MANY = """WITH added AS (
               INSERT INTO outbox (event_id, subject, stream, body, headers)
               SELECT e, s, st, b, h::jsonb
                 FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[], $5::text[])
                      WITH ORDINALITY AS r(e, s, st, b, h, ord)
                ORDER BY ord
               ON CONFLICT (event_id) DO NOTHING)
           SELECT pg_notify($6, '')"""


def derived_event_id(cause_id: str, key: str) -> str:
    """A deterministic id for an event caused by another, so a re-run emits the same ids."""
    return str(uuid.uuid5(_DERIVED, f"{cause_id}|{key}"))


class OutboxBatch:
    """Outbox rows collected during one batch transaction, written by `flush`."""

    def __init__(self, con: asyncpg.Connection) -> None:
        self.con = con
        self.rows: list[Row] = []

    def mark(self) -> int:
        return len(self.rows)

    def rollback(self, mark: int) -> None:
        """Forget the rows added since `mark` (their message was rolled back)."""
        del self.rows[mark:]

    async def flush(self) -> None:
        if not self.rows:
            return
        columns = list(zip(*self.rows, strict=True))
        await self.con.execute(_MANY, *(list(c) for c in columns), NOTIFY_CHANNEL)
        self.rows.clear()


_BATCH: ContextVar[OutboxBatch | None] = ContextVar("cohort_outbox_batch", default=None)


@contextmanager
def batched(con: asyncpg.Connection) -> Iterator[OutboxBatch]:
    """Collect the rows `enqueue` adds on `con` in this task until the block ends."""
    batch = OutboxBatch(con)
    token = _BATCH.set(batch)
    try:
        yield batch
    finally:
        _BATCH.reset(token)


async def enqueue(
    con: asyncpg.Connection,
    event: CloudEvent,
    *,
    subject: str,
    stream: str,
    headers: dict[str, Any] | None = None,
) -> None:
    """Add one event to the outbox inside the caller's transaction."""
    row: Row = (
        event.id,
        subject,
        stream,
        encode(event),
        json.dumps({**current_trace_headers(), **(headers or {})}),
    )
    batch = _BATCH.get()
    if batch is not None and batch.con is con:
        batch.rows.append(row)
        return
    await con.execute(_ONE, *row, NOTIFY_CHANNEL)
