"""Reminders whose moment has come: JetStream fires the schedule onto
`notification.reminder.due`; the `notification-reminders` consumer turns it into a delivery.

`reminder.due.v1` is declared in the contracts (`cohort_contracts.internal`) and consumed
like every other type, under the kit's policy: inbox, retries, metrics, dead-letters.

A reminder is sent only if it is still the current one: its schedule row is `scheduled`
for the same moment, the session still starts on the same day and is not cancelled, and
the participant still holds a confirmed seat. That check voids reminders a reschedule or a
cancellation left behind, whatever happened to the schedule in the stream.
"""

from __future__ import annotations

import asyncpg
import structlog
from cohort_contracts.internal import ReminderDue
from cohort_kit import Router, Unit

from . import store
from .deps import Deps

log = structlog.get_logger(__name__)
reminders = Router()


@reminders.on(ReminderDue, emits=[])
async def reminder_due(unit: Unit[ReminderDue, Deps]) -> None:
    r, con = unit.payload, unit.con
    if not await _current(con, r):
        log.info("reminder void; not sent", label=r.label)
        return
    person = await store.participant(con, r.participant_id)
    session = await store.session(con, r.session_id)
    cause = unit.event.envelope
    await unit.deps.notifier.notify(con, cause, "reminder", person, session, {"label": r.label})


async def _current(con: asyncpg.Connection, r: ReminderDue) -> bool:
    """Still the reminder in force: same moment, same first day, a confirmed seat."""
    row = await store.reminder(con, r.schedule_subject)
    if row is None or row["state"] != "scheduled" or row["due_at"] != r.due_at:
        return False
    session = await store.session(con, r.session_id)
    if session is None or session["status"] != "scheduled":
        return False
    if session["start_date"] != r.start_date:
        return False
    return await store.confirmed_enrolment(con, r.session_id, r.participant_id) is not None
