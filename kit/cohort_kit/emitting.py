"""The one path into the outbox: build an envelope from a payload, enqueue it with the change.

`Unit.emit` is this path for an event caused by the one a handler applies; code that
writes events outside a handler (the page-link form, the report publisher, the delivery
worker) calls `emit` directly with the envelope fields it owns. A `Schedule` stores the
event on a schedule subject of its stream: NATS publishes it onto the type's own subject
at the moment given (reminders).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
from cohort_contracts import REGISTRY, CloudEvent
from pydantic import BaseModel

from .outbox import enqueue


@dataclass(frozen=True)
class Schedule:
    """Deliver at `at` (UTC, whole seconds); stored until then on `subject`."""

    at: datetime
    subject: str

    @property
    def at_text(self) -> str:
        return self.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def emit(
    con: asyncpg.Connection,
    payload: BaseModel,
    *,
    service: str,
    agency: str,
    time: datetime | None = None,
    subject_id: str | None = None,
    event_id: str | None = None,
    correlationid: str | None = None,
    causationid: str | None = None,
    tail: str | None = None,
    schedule: Schedule | None = None,
) -> CloudEvent:
    """Put one event into the outbox inside the caller's transaction; return its envelope."""
    spec = REGISTRY.spec_for_model(type(payload))
    envelope = REGISTRY.build(
        payload,
        source=f"cohort/{service}",
        agency=agency,
        subject_id=subject_id,
        time=time,
        correlationid=correlationid,
        causationid=causationid,
        event_id=event_id,
    )
    subject = spec.subject_for(agency, tail)
    headers = None
    if schedule is not None:
        headers = {"Nats-Schedule": f"@at {schedule.at_text}", "Nats-Schedule-Target": subject}
        subject = schedule.subject
    await enqueue(con, envelope, subject=subject, stream=spec.stream, headers=headers)
    return envelope
