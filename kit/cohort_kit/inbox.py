"""The inbox: which events a consumer has applied (source + id), so none is applied twice.

A row is written in the transaction that applies its event: it exists exactly when the
effect does. A batch records all its events in one statement and removes the row of a
message rolled back to its savepoint (`forget`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg
from cohort_contracts import Event

Key = tuple[str, str]  # (source, event id)


def key(event: Event[Any]) -> Key:
    return (event.envelope.source, event.id)


async def record(con: asyncpg.Connection, consumer: str, event: Event[Any]) -> bool:
    """Record one event; False when it was already applied (a duplicate)."""
    first_time = await con.fetchval(
        """INSERT INTO inbox (consumer, source, event_id, event_type)
           VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING true""",
        consumer,
        event.envelope.source,
        event.id,
        event.type,
    )
    return bool(first_time)


async def record_many(
    con: asyncpg.Connection, consumer: str, events: Sequence[Event[Any]]
) -> set[Key]:
    """Record a batch's events in one statement; return the keys that were new."""
    rows = await con.fetch(
        """INSERT INTO inbox (consumer, source, event_id, event_type)
           SELECT $1, s, e, t FROM unnest($2::text[], $3::text[], $4::text[]) AS r(s, e, t)
           ON CONFLICT DO NOTHING RETURNING source, event_id""",
        consumer,
        [e.envelope.source for e in events],
        [e.id for e in events],
        [e.type for e in events],
    )
    return {(r["source"], r["event_id"]) for r in rows}


async def forget(con: asyncpg.Connection, consumer: str, event: Event[Any]) -> None:
    """Remove the row of an event whose application was rolled back."""
    await con.execute(
        "DELETE FROM inbox WHERE consumer = $1 AND source = $2 AND event_id = $3",
        consumer,
        event.envelope.source,
        event.id,
    )
