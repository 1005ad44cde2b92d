"""Transactional outbox: events are written with the state change that causes them."""

from __future__ import annotations

import json
import uuid
from typing import Any

import asyncpg
from cohort_contracts import CloudEvent, encode

from .tracing import current_trace_headers

NOTIFY_CHANNEL = "cohort_outbox"
_DERIVED = uuid.UUID("6f1c1d4e-8f0b-4c7e-9a55-3c0b6b1f2a10")


def derived_event_id(cause_id: str, key: str) -> str:
    """A deterministic id for an event caused by another, so a re-run emits the same ids."""
    return str(uuid.uuid5(_DERIVED, f"{cause_id}|{key}"))


async def enqueue(
    con: asyncpg.Connection,
    event: CloudEvent,
    *,
    subject: str,
    stream: str,
    headers: dict[str, Any] | None = None,
) -> None:
    """Add one event to the outbox inside the caller's transaction."""
    # One round trip: the row, and a NOTIFY that only wakes the relay (the table is the
    # source of truth; the notification is delivered at commit, or not at all).
    await con.execute(
        """WITH added AS (
               INSERT INTO outbox (event_id, subject, stream, body, headers)
               VALUES ($1, $2, $3, $4, $5::text::jsonb)
               ON CONFLICT (event_id) DO NOTHING)
           SELECT pg_notify($6, '')""",
        event.id,
        subject,
        stream,
        encode(event),
        json.dumps({**current_trace_headers(), **(headers or {})}),
        NOTIFY_CHANNEL,
    )
