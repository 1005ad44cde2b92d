"""The `notification-intake` and `notification-reports` consumers: keep the facts, tell
enrolled participants about session changes, mail published reports to subscribers.

Deliveries are composed by the service's `Notifier` (`unit.deps.notifier`); a fact not
known yet is waited for inside the retry window, then the message is not sent
(`cohort_kit.pending.known`). Decisions and certificates are `decisions.py`, reminders
`reminders.py`.
"""

from __future__ import annotations

from cohort_contracts.courses import CoursePublished
from cohort_contracts.enrolments import EnrolmentRequested
from cohort_contracts.internal import ReminderDue
from cohort_contracts.participants import ParticipantRegistered
from cohort_contracts.reports import ReportPublished
from cohort_contracts.sessions import (
    SessionCancelled,
    SessionClosed,
    SessionRescheduled,
    SessionScheduled,
)
from cohort_kit import Router, Unit
from cohort_kit.pending import known

from . import reportmail, store
from .deps import Deps

intake, reports = Router(), Router()


# Reports ----------------------------------------------------------------------------


@reports.on(ReportPublished, emits=[])
async def report_published(unit: Unit[ReportPublished, Deps]) -> None:
    n = unit.deps.notifier
    report = unit.payload.model_dump(mode="json")
    await reportmail.queue(unit.con, unit.event.envelope, report, n.registry(), n.settings)


# Intake facts -----------------------------------------------------------------------


@intake.on(CoursePublished, emits=[])
async def course_published(unit: Unit[CoursePublished, Deps]) -> None:
    await store.upsert_course(unit.con, unit.payload)


@intake.on(SessionScheduled, emits=[])
async def session_scheduled(unit: Unit[SessionScheduled, Deps]) -> None:
    await store.upsert_session(unit.con, unit.payload, unit.event.agency)


@intake.on(ParticipantRegistered, emits=[])
async def participant_registered(unit: Unit[ParticipantRegistered, Deps]) -> None:
    await store.upsert_participant(unit.con, unit.payload, unit.event.agency)


@intake.on(EnrolmentRequested, emits=[])
async def enrolment_requested(unit: Unit[EnrolmentRequested, Deps]) -> None:
    p = unit.payload
    await store.upsert_enrolment(
        unit.con, p.enrolment_id, p.session_id, p.participant_id, "requested"
    )


@intake.on(SessionRescheduled, emits=[ReminderDue])
async def session_rescheduled(unit: Unit[SessionRescheduled, Deps]) -> None:
    p, con, n = unit.payload, unit.con, unit.deps.notifier
    if not known(unit, await store.session(con, p.session_id), "unknown_session"):
        return
    await store.reschedule_session(con, p.session_id, p.model_dump())
    session = await store.session(con, p.session_id)
    for e in await store.enrolments_of(con, p.session_id):
        if e["status"] not in ("confirmed", "waitlisted"):
            continue
        person = await store.participant(con, e["participant_id"])
        await n.notify(con, unit.event.envelope, "session_rescheduled", person, session)
        if e["status"] == "confirmed":
            await n.schedule_reminders(unit, session, e["participant_id"])
    await n.digest(con, unit.event.envelope, session, "session_rescheduled", None)


@intake.on(SessionCancelled, emits=[])
async def session_cancelled(unit: Unit[SessionCancelled, Deps]) -> None:
    p, con, n = unit.payload, unit.con, unit.deps.notifier
    if not known(unit, await store.session(con, p.session_id), "unknown_session"):
        return
    await store.set_session_status(con, p.session_id, "cancelled", p.reason)
    session = await store.session(con, p.session_id)
    await store.void_reminders(con, p.session_id)
    for e in await store.enrolments_of(con, p.session_id):
        # The enrolment service may have cancelled them already (another stream).
        live = e["status"] in ("confirmed", "waitlisted")
        if live or (e["status"] == "cancelled" and e["reason"] == "session_cancelled"):
            person = await store.participant(con, e["participant_id"])
            extra = {"reason": p.reason}
            await n.notify(con, unit.event.envelope, "session_cancelled", person, session, extra)
    await n.digest(con, unit.event.envelope, session, "session_cancelled", None)


@intake.on(SessionClosed, emits=[])
async def session_closed(unit: Unit[SessionClosed, Deps]) -> None:
    p, con = unit.payload, unit.con
    if not known(unit, await store.session(con, p.session_id), "unknown_session"):
        return
    await store.set_session_status(con, p.session_id, "closed", None)
    # The evaluation request follows each `enrolment.completed` (see below): enrolment
    # emits one per confirmed enrolment at the close, on the same stream as the
    # confirmations, so who is asked never depends on how far another consumer got.
