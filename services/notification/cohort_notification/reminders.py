"""Reminders whose moment has come: JetStream fires the schedule onto
`notification.reminder.due`; this consumer turns it into a delivery.

The scheduled message carries an internal `reminder.due.v1` envelope (not part of the
network catalogue, so the kit's generic consumer would dead-letter it); this loop reads the
durable `notification-reminders` itself, with the same rules: inbox in the same
transaction, ack after commit, NAK with a delay on any failure.

A reminder is sent only if it is still the current one: its schedule row is `scheduled`
for the same moment, the session still starts on the same day and is not cancelled, and
the participant still holds a confirmed seat. That check voids reminders a reschedule or a
cancellation left behind, whatever happened to the schedule in the stream.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime
from typing import Any

import asyncpg
import structlog
from cohort_contracts import CloudEvent
from cohort_contracts import streams as topo
from cohort_kit.topology import verify
from nats.errors import TimeoutError as NatsTimeout

from . import store
from .notifier import REMINDER_TYPE, Notifier

log = structlog.get_logger(__name__)
DURABLE = "notification-reminders"


async def apply(con: asyncpg.Connection, n: Notifier, event: CloudEvent) -> str:
    first = await con.fetchval(
        """INSERT INTO inbox (consumer, source, event_id, event_type) VALUES ($1, $2, $3, $4)
           ON CONFLICT DO NOTHING RETURNING true""",
        DURABLE,
        event.source,
        event.id,
        event.type,
    )
    if not first:
        return "duplicate"
    data = event.data
    row = await store.reminder(con, data["schedule_subject"])
    due = datetime.fromisoformat(data["due_at"].replace("Z", "+00:00"))
    if row is None or row["state"] != "scheduled" or row["due_at"] != due:
        return "void"
    session = await store.session(con, data["session_id"])
    if (
        session is None
        or session["status"] != "scheduled"
        or session["start_date"].isoformat() != data["start_date"]
    ):
        return "void"
    if await store.confirmed_enrolment(con, data["session_id"], data["participant_id"]) is None:
        return "void"
    person = await store.participant(con, data["participant_id"])
    await n.notify(con, event, "reminder", person, session, {"label": data["label"]})
    return "applied"


async def consume(runtime: Any, n: Notifier) -> None:
    js = runtime.broker.connection.jetstream()
    spec = topo.consumer(DURABLE)
    await verify(js, [topo.stream(spec.stream)], [spec])
    sub = await js.pull_subscribe_bind(DURABLE, spec.stream)
    try:
        while True:
            try:
                msgs = await sub.fetch(10, timeout=1.0)
            except (NatsTimeout, TimeoutError):
                continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("reminder fetch failed", error=repr(exc))
                await asyncio.sleep(1.0)
                continue
            for msg in msgs:
                await _handle(runtime.pool, n, msg)
    finally:
        # A pull subscription left open makes the connection's drain wait its full timeout
        # (30 s) at shutdown: unsubscribe it ourselves.
        with contextlib.suppress(Exception):
            await sub.unsubscribe()


async def _handle(pool: asyncpg.Pool, n: Notifier, msg: Any) -> None:
    try:
        event = CloudEvent.model_validate_json(msg.data)
        if event.type != REMINDER_TYPE:
            raise ValueError(f"unexpected type {event.type}")
    except Exception as exc:
        log.error("unusable reminder message; dropped", error=repr(exc))
        await msg.term()
        return
    try:
        async with pool.acquire() as con, con.transaction():
            outcome = await apply(con, n, event)
    except Exception as exc:
        log.warning("reminder not applied; retrying", error=repr(exc))
        with contextlib.suppress(Exception):
            await msg.nak(delay=2.0)
        return
    await msg.ack()
    log.info("reminder handled", outcome=outcome, event_id=event.id)
