"""One small function per intake event: read the facts, ask `domain`, write, emit.

Every function runs inside the unit's transaction (the kit's inbox makes it effectively
once). Who may act on what is the kit's ownership rule, checked before any of these runs
(`cohort_kit.ownership`: a foreign agency's event is dead-lettered `not_owner`). Anything
that touches a session's seats first takes the session's row lock, so replicas of the
service deciding requests of one session do it one at a time. Seats are `seating.py`,
completions `completion.py`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import structlog
from cohort_contracts.attendance import AssessmentRecorded, AttendanceRecorded
from cohort_contracts.courses import CoursePublished
from cohort_contracts.enrolments import (
    EnrolmentCancelled,
    EnrolmentCompleted,
    EnrolmentConfirmed,
    EnrolmentRejected,
    EnrolmentRequested,
    EnrolmentWaitlisted,
    EnrolmentWithdrawn,
    ParticipantLinkRequested,
)
from cohort_contracts.evaluations import EvaluationSubmitted
from cohort_contracts.participants import ParticipantRegistered
from cohort_contracts.sessions import (
    SessionCancelled,
    SessionClosed,
    SessionRescheduled,
    SessionScheduled,
)
from cohort_kit import Router, Unit
from cohort_kit.pending import must_know, wait
from pydantic import BaseModel

from . import domain, seating, store
from .completion import complete, complete_if_closed
from .deps import Deps
from .domain import SessionFacts

log = structlog.get_logger(__name__)
intake = Router()
LIVE = ("confirmed", "waitlisted")
# What a change of seats may emit (a promotion carries its page link first).
SEATS: list[type[BaseModel]] = [EnrolmentConfirmed, EnrolmentWaitlisted, ParticipantLinkRequested]
COMPLETED: list[type[BaseModel]] = [EnrolmentCompleted]

# --- facts ------------------------------------------------------------------------------


@intake.on(CoursePublished, emits=[])
async def course_published(unit: Unit[CoursePublished, Deps]) -> None:
    c = unit.payload
    await store.upsert_course(unit.con, c, agency=unit.event.agency, at=unit.event.time)


@intake.on(ParticipantRegistered, emits=[])
async def participant_registered(unit: Unit[ParticipantRegistered, Deps]) -> None:
    p = unit.payload
    await store.upsert_participant(unit.con, p, agency=unit.event.agency, at=unit.event.time)


@intake.on(SessionScheduled, emits=SEATS)
async def session_scheduled(unit: Unit[SessionScheduled, Deps]) -> None:
    s = unit.payload
    if not await store.insert_session(unit.con, s, agency=unit.event.agency):
        await seating.reschedule(unit, s.session_id, store.session_changes(s))  # again


@intake.on(SessionRescheduled, emits=SEATS)
async def session_rescheduled(unit: Unit[SessionRescheduled, Deps]) -> None:
    r = unit.payload
    await _known_session(unit, r.session_id)
    await seating.reschedule(unit, r.session_id, store.session_changes(r))


@intake.on(SessionCancelled, emits=[EnrolmentCancelled])
async def session_cancelled(unit: Unit[SessionCancelled, Deps]) -> None:
    session = await _known_session(unit, unit.payload.session_id)
    if session.status != "scheduled":
        log.info("session already ended; cancellation ignored", status=session.status)
        return
    await store.set_session_status(unit.con, session.session_id, "cancelled", unit.event.time)
    for status in LIVE:
        for row in await store.live(unit.con, session.session_id, status):
            await seating.cancel(unit, row, "session_cancelled")


@intake.on(SessionClosed, emits=COMPLETED)
async def session_closed(unit: Unit[SessionClosed, Deps]) -> None:
    session = await _known_session(unit, unit.payload.session_id)
    if session.status == "cancelled":
        log.info("a cancelled session cannot close; ignored")
        return
    course = await store.course(unit.con, session.course_id)
    must_know(unit, course, "unknown_course", f"course {session.course_id} of the session")
    await store.set_session_status(unit.con, session.session_id, "closed", unit.event.time)
    await complete(unit, session)


# --- requests and withdrawals -------------------------------------------------------------


async def requests_ahead(con: Any, units: list[Unit[EnrolmentRequested, Deps]]) -> None:
    """A batch's run of requests: `store.request_seat` of each, in one round trip."""
    rows = await store.request_seats(
        con,
        [u.payload for u in units],
        agencies=[u.event.agency for u in units],
        queue_keys=[u.stream_seq for u in units],
        at=[u.event.time for u in units],
    )
    for unit, row in zip(units, rows, strict=True):
        unit.ahead = row if row["prepared"] else None


@intake.on(EnrolmentRequested, emits=[*SEATS, EnrolmentRejected, *COMPLETED], ahead=requests_ahead)
async def enrolment_requested(unit: Unit[EnrolmentRequested, Deps]) -> None:
    req = unit.payload
    occ = unit.ahead
    if occ is None:  # the session locked, counted, and perhaps a seat taken
        occ = await store.request_seat(
            unit.con, req, agency=unit.event.agency, queue_key=unit.stream_seq, at=unit.event.time
        )
    session = store.session_of(occ)
    if occ["already_decided"]:
        log.info("enrolment already decided; request ignored", enrolment_id=req.enrolment_id)
        return
    if session is None or occ["participant_agency"] is None:
        reason = "unknown_session" if session is None else "unknown_participant"
        wait(unit, reason)
        await seating.reject(unit, reason)  # still unknown after the window: for good
        return
    decision = domain.decide_request(
        session,
        domain.Occupancy(
            occ["confirmed"], occ["waitlisted"], occ["participant_live"], occ["nominator_live"]
        ),
        requested_at=unit.event.time,
        nominated_by=req.nominated_by,
    )
    seat = occ["seat"]
    if seat is not None and decision.verdict != "confirm":  # the SQL's guess disagrees: undo
        log.error("request_seat took a seat the domain does not give", verdict=decision.verdict)
        if unit.ahead is not None:  # later requests of the run counted that seat: all again
            raise RuntimeError("a seat taken ahead that the domain does not give")
        await store.take_back_seat(unit.con, req.enrolment_id)
    if decision.verdict == "confirm":
        await seating.confirm_new(unit, session, seat=seat)
    elif decision.verdict == "waitlist":
        await seating.waitlist_new(unit, session)
    else:
        await seating.reject(unit, decision.reason or "session_full")


@intake.on(EnrolmentWithdrawn, emits=[EnrolmentCancelled, *SEATS])
async def enrolment_withdrawn(unit: Unit[EnrolmentWithdrawn, Deps]) -> None:
    eid = unit.payload.enrolment_id
    row = must_know(unit, await store.enrolment(unit.con, eid), "unknown_enrolment", eid)
    if row["status"] not in LIVE:
        log.info("enrolment not live; withdrawal ignored", status=row["status"])
        return
    session = await store.lock_session(unit.con, row["session_id"])
    row = await store.enrolment(unit.con, eid)  # again, under the session's lock
    assert session is not None and row is not None
    if row["status"] not in LIVE or session.status != "scheduled":
        log.info("withdrawal after the session ended or the seat changed; ignored")
        return
    await seating.cancel(unit, row, "withdrawn")
    if row["status"] == "confirmed":
        await seating.fit_capacity(unit, session)


# --- what happened in the room --------------------------------------------------------------


@intake.on(AttendanceRecorded, emits=COMPLETED)
async def attendance_recorded(unit: Unit[AttendanceRecorded, Deps]) -> None:
    a = unit.payload
    record = partial(store.record_attendance, unit.con, a, unit.event.time)
    await _from_the_room(unit, a.session_id, a.participant_id, record)


@intake.on(AssessmentRecorded, emits=COMPLETED)
async def assessment_recorded(unit: Unit[AssessmentRecorded, Deps]) -> None:
    a = unit.payload
    record = partial(store.record_assessment, unit.con, a, unit.event.time)
    await _from_the_room(unit, a.session_id, a.participant_id, record)


@intake.on(EvaluationSubmitted, emits=COMPLETED)
async def evaluation_submitted(unit: Unit[EvaluationSubmitted, Deps]) -> None:
    e = unit.payload
    if e.participant_id is None:
        return  # anonymous: counts for reports, not for anyone's completion
    record = partial(store.record_evaluation, unit.con, e.session_id, e.participant_id)
    await _from_the_room(unit, e.session_id, e.participant_id, record)


# --- the steps the handlers share ------------------------------------------------------------


async def _known_session(unit: Unit[Any, Deps], session_id: str) -> SessionFacts:
    session = await store.lock_session(unit.con, session_id)
    return must_know(unit, session, "unknown_session", f"session {session_id}")


async def _from_the_room(
    unit: Unit[Any, Deps],
    session_id: str,
    participant_id: str,
    record: Callable[[], Awaitable[None]],
) -> None:
    """A fact from the room needs the participant's enrolment in the session: `record` it
    then, and complete the participant if the session is already closed (a late fact)."""
    session = await _known_session(unit, session_id)
    if not await store.has_enrolment(unit.con, session_id, participant_id):
        must_know(unit, None, "unknown_enrolment", f"{participant_id} in {session_id}")
    await record()
    await complete_if_closed(unit, session)
