"""One small function per intake event: read the facts, ask `domain`, write, emit.

Every function runs inside the unit's transaction (the kit's inbox makes it effectively
once). Who may act on what is the kit's ownership rule, checked before any of these runs
(`cohort_kit.ownership`: a foreign agency's event is dead-lettered `not_owner`). Anything
that touches a session's seats first takes the session's row lock, so replicas of the
service deciding requests of one session do it one at a time.
"""

from __future__ import annotations

import asyncpg
import structlog
from cohort_contracts.enrolments import (
    EnrolmentCancelled,
    EnrolmentCompleted,
    EnrolmentConfirmed,
    EnrolmentRejected,
    EnrolmentWaitlisted,
)
from cohort_kit import Invalid, NotYetApplicable, Router, Unit

from . import domain, store
from .domain import SessionFacts
from .pagelinks import ISSUER

log = structlog.get_logger(__name__)
intake = Router()
LIVE = ("confirmed", "waitlisted")

# --- facts ------------------------------------------------------------------------------


@intake.on("course.published.v1")
async def course_published(unit: Unit) -> None:
    c = unit.payload
    await store.upsert_course(unit.con, c, agency=unit.event.agency, at=unit.event.time)


@intake.on("participant.registered.v1")
async def participant_registered(unit: Unit) -> None:
    p = unit.payload
    await store.upsert_participant(unit.con, p, agency=unit.event.agency, at=unit.event.time)


@intake.on("session.scheduled.v1")
async def session_scheduled(unit: Unit) -> None:
    s = unit.payload
    if not await store.insert_session(unit.con, s, agency=unit.event.agency):
        await _reschedule(unit, s.session_id, store.session_changes(s))  # published again


@intake.on("session.rescheduled.v1")
async def session_rescheduled(unit: Unit) -> None:
    r = unit.payload
    await _known_session(unit, r.session_id)
    await _reschedule(unit, r.session_id, store.session_changes(r))


@intake.on("session.cancelled.v1")
async def session_cancelled(unit: Unit) -> None:
    session = await _known_session(unit, unit.payload.session_id)
    if session.status != "scheduled":
        log.info("session already ended; cancellation ignored", status=session.status)
        return
    await store.set_session_status(unit.con, session.session_id, "cancelled", unit.event.time)
    for status in LIVE:
        for row in await store.live(unit.con, session.session_id, status):
            await store.set_status(
                unit.con, row["enrolment_id"], "cancelled", reason="session_cancelled"
            )
            await _emit_cancelled(unit, row, "session_cancelled")


@intake.on("session.closed.v1")
async def session_closed(unit: Unit) -> None:
    session = await _known_session(unit, unit.payload.session_id)
    if session.status == "cancelled":
        log.info("a cancelled session cannot close; ignored")
        return
    if await store.course(unit.con, session.course_id) is None:
        _wait_or_fail(unit, "unknown_course", f"course {session.course_id} of the session")
    await store.set_session_status(unit.con, session.session_id, "closed", unit.event.time)
    await _complete(unit, session)


# --- requests and withdrawals -------------------------------------------------------------


@intake.on("enrolment.requested.v1")
async def enrolment_requested(unit: Unit) -> None:
    req = unit.payload
    session = await store.lock_session(unit.con, req.session_id)
    occ = await store.occupancy(unit.con, req)
    if occ["already_decided"]:
        log.info("enrolment already decided; request ignored", enrolment_id=req.enrolment_id)
        return
    if session is None or occ["participant_agency"] is None:
        reason = "unknown_session" if session is None else "unknown_participant"
        if not unit.final:
            raise NotYetApplicable(reason)
        await _reject(unit, reason)
        return
    decision = domain.decide_request(
        session,
        domain.Occupancy(
            occ["confirmed"], occ["waitlisted"], occ["participant_live"], occ["nominator_live"]
        ),
        requested_at=unit.event.time,
        nominated_by=req.nominated_by,
    )
    if decision.verdict == "confirm":
        await _confirm_new(unit, session)
    elif decision.verdict == "waitlist":
        await _waitlist_new(unit, session)
    else:
        await _reject(unit, decision.reason or "session_full")


@intake.on("enrolment.withdrawn.v1")
async def enrolment_withdrawn(unit: Unit) -> None:
    eid = unit.payload.enrolment_id
    row = await store.enrolment(unit.con, eid)
    if row is None:
        _wait_or_fail(unit, "unknown_enrolment", f"enrolment {eid}")
        return
    if row["status"] not in LIVE:
        log.info("enrolment not live; withdrawal ignored", status=row["status"])
        return
    session = await store.lock_session(unit.con, row["session_id"])
    row = await store.enrolment(unit.con, eid)  # again, under the session's lock
    assert session is not None and row is not None
    if row["status"] not in LIVE or session.status != "scheduled":
        log.info("withdrawal after the session ended or the seat changed; ignored")
        return
    await store.set_status(unit.con, eid, "cancelled", reason="withdrawn")
    await _emit_cancelled(unit, row, "withdrawn")
    if row["status"] == "confirmed":
        await _fit_capacity(unit, session)


# --- what happened in the room --------------------------------------------------------------


@intake.on("attendance.recorded.v1")
async def attendance_recorded(unit: Unit) -> None:
    a = unit.payload
    session = await _room(unit, a.session_id, a.participant_id)
    await store.record_attendance(unit.con, a, unit.event.time)
    await _complete_if_closed(unit, session)


@intake.on("assessment.recorded.v1")
async def assessment_recorded(unit: Unit) -> None:
    a = unit.payload
    session = await _room(unit, a.session_id, a.participant_id)
    await store.record_assessment(unit.con, a, unit.event.time)
    await _complete_if_closed(unit, session)


@intake.on("evaluation.submitted.v1")
async def evaluation_submitted(unit: Unit) -> None:
    e = unit.payload
    if e.participant_id is None:
        return  # anonymous: counts for reports, not for anyone's completion
    session = await _room(unit, e.session_id, e.participant_id)
    await store.record_evaluation(unit.con, e.session_id, e.participant_id)
    await _complete_if_closed(unit, session)


# --- the steps the handlers share ------------------------------------------------------------


def _wait_or_fail(unit: Unit, reason: str, what: str) -> None:
    """Not known yet: retry within the window; after it, dead-letter with the reason."""
    if not unit.final:
        raise NotYetApplicable(reason)
    raise Invalid(reason, f"{what} still unknown after the retry window")


async def _known_session(unit: Unit, session_id: str) -> SessionFacts:
    session = await store.lock_session(unit.con, session_id)
    if session is None:
        _wait_or_fail(unit, "unknown_session", f"session {session_id}")
    assert session is not None
    return session


async def _room(unit: Unit, session_id: str, participant_id: str) -> SessionFacts:
    """A fact from the room needs the participant's enrolment in the session."""
    session = await _known_session(unit, session_id)
    if not await store.has_enrolment(unit.con, session_id, participant_id):
        _wait_or_fail(unit, "unknown_enrolment", f"{participant_id} in {session_id}")
    return session


async def _queue_key(unit: Unit) -> int:
    return unit.stream_seq if unit.stream_seq is not None else await store.next_queue_key(unit.con)


async def _insert(unit: Unit, status: str, seat: int | None, reason: str | None) -> None:
    req = unit.payload
    await store.insert_enrolment(
        unit.con,
        enrolment_id=req.enrolment_id,
        session_id=req.session_id,
        participant_id=req.participant_id,
        agency=unit.event.agency,
        nominated_by=req.nominated_by,
        status=status,
        seat=seat,
        queue_key=await _queue_key(unit),
        reason=reason,
        requested_at=unit.event.time,
    )


async def _confirm_new(unit: Unit, session: SessionFacts) -> None:
    seat = domain.lowest_free_seat(await store.taken_seats(unit.con, session.session_id))
    await _insert(unit, "confirmed", seat, None)
    await _emit_confirmed(unit, unit.payload.model_dump(), seat, promoted=False)
    if session.status == "closed":  # a request that stood in INTAKE before closing, late
        await _complete(unit, session)


async def _waitlist_new(unit: Unit, session: SessionFacts) -> None:
    before = await _positions(unit.con, session.session_id)
    await _insert(unit, "waitlisted", None, None)
    await _announce_waitlist(unit, session.session_id, before)


async def _reject(unit: Unit, reason: str) -> None:
    req = unit.payload
    await _insert(unit, "rejected", None, reason)
    await unit.emit(
        EnrolmentRejected(
            enrolment_id=req.enrolment_id,
            session_id=req.session_id,
            participant_id=req.participant_id,
            reason=reason,  # type: ignore[arg-type]
        ),
        subject_id=req.enrolment_id,
    )


async def _reschedule(unit: Unit, session_id: str, changes: dict[str, object]) -> None:
    await store.lock_session(unit.con, session_id)
    await store.update_session(unit.con, session_id, changes)
    session = await store.session(unit.con, session_id)
    if session is not None and session.status == "scheduled":
        await _fit_capacity(unit, session)


async def _fit_capacity(unit: Unit, session: SessionFacts) -> None:
    """After a seat is freed or the capacity changes: promote, or move the latest back."""
    sid = session.session_id
    confirmed = await store.live(unit.con, sid, "confirmed")
    waitlisted = await store.live(unit.con, sid, "waitlisted")
    move = domain.rebalance(
        session.capacity,
        [r["enrolment_id"] for r in confirmed],
        [r["enrolment_id"] for r in waitlisted],
    )
    if move.to_waitlist:
        before = await _positions(unit.con, sid)
        for eid in move.to_waitlist:
            await store.set_status(unit.con, eid, "waitlisted")
        await _announce_waitlist(unit, sid, before)
    taken = await store.taken_seats(unit.con, sid)
    for eid in move.to_confirm:
        seat = domain.lowest_free_seat(taken)
        taken.add(seat)
        await store.set_status(unit.con, eid, "confirmed", seat=seat, promoted=True)
        await _emit_confirmed(unit, await store.enrolment(unit.con, eid), seat, promoted=True)


async def _positions(con: asyncpg.Connection, session_id: str) -> dict[str, int]:
    rows = await store.live(con, session_id, "waitlisted")
    return {r["enrolment_id"]: n for n, r in enumerate(rows, start=1)}


async def _announce_waitlist(unit: Unit, session_id: str, before: dict[str, int]) -> None:
    """Emit `enrolment.waitlisted` for each place that is new or moved back."""
    for n, r in enumerate(await store.live(unit.con, session_id, "waitlisted"), start=1):
        if n > before.get(r["enrolment_id"], 0):
            await unit.emit(
                EnrolmentWaitlisted(
                    enrolment_id=r["enrolment_id"],
                    session_id=session_id,
                    participant_id=r["participant_id"],
                    position=n,
                ),
                subject_id=r["enrolment_id"],
                key=f"waitlisted:{r['enrolment_id']}",
            )


async def _emit_confirmed(
    unit: Unit, row: asyncpg.Record | dict[str, str] | None, seat: int, *, promoted: bool
) -> None:
    assert row is not None
    await _page_link(unit, row)
    await unit.emit(
        EnrolmentConfirmed(
            enrolment_id=row["enrolment_id"],
            session_id=row["session_id"],
            participant_id=row["participant_id"],
            seat=seat,
            promoted_from_waitlist=promoted,
        ),
        subject_id=row["enrolment_id"],
        key=f"confirmed:{row['enrolment_id']}",
    )


async def _page_link(unit: Unit, row: asyncpg.Record | dict[str, str]) -> None:
    """The participant page's link goes just before the confirmation (see `pagelinks`)."""
    if not ISSUER.enabled:
        return
    session = await store.session(unit.con, row["session_id"])
    await ISSUER.with_message(
        unit,
        row["participant_id"],
        key=f"link:{row['enrolment_id']}",
        last_day=session.end_date if session else None,
    )


async def _emit_cancelled(unit: Unit, row: asyncpg.Record, reason: str) -> None:
    await unit.emit(
        EnrolmentCancelled(
            enrolment_id=row["enrolment_id"],
            reason=reason,  # type: ignore[arg-type]
            session_id=row["session_id"],
            participant_id=row["participant_id"],
        ),
        subject_id=row["enrolment_id"],
        key=f"cancelled:{row['enrolment_id']}",
    )


async def _complete_if_closed(unit: Unit, session: SessionFacts) -> None:
    if session.status == "closed":
        await _complete(unit, session)


async def _complete(unit: Unit, session: SessionFacts) -> None:
    """Apply the course's rule to every confirmed enrolment; emit what is new or changed.

    On `session.closed` this emits every completion; afterwards a late attendance,
    assessment or evaluation emits a corrected `enrolment.completed` for whom it changes.
    """
    course = await store.course(unit.con, session.course_id)
    if course is None:
        return
    rule, course_modules = course
    records, recorded_modules = await store.session_records(unit.con, session.session_id)
    modules = (course_modules or recorded_modules) if recorded_modules else []
    days = domain.session_days(session.start_date, session.end_date)
    nothing = store.Record(attendance=[], pre_score=None, post_score=None, evaluated=False)
    for row in await store.live(unit.con, session.session_id, "confirmed"):
        eid = row["enrolment_id"]
        rec = records.get(row["participant_id"], nothing)
        result = domain.complete(
            rule,
            rec.attendance,
            days=days,
            modules=modules,
            pre_score=rec.pre_score,
            post_score=rec.post_score,
            evaluated=rec.evaluated,
        )
        if result == await store.last_completion(unit.con, eid):
            continue
        await store.save_completion(unit.con, eid, result)
        await unit.emit(
            EnrolmentCompleted(
                enrolment_id=eid,
                session_id=session.session_id,
                participant_id=row["participant_id"],
                course_id=session.course_id,
                outcome=result.outcome,  # type: ignore[arg-type]
                attendance_ratio=result.attendance_ratio,
                pre_score=result.pre_score,
                post_score=result.post_score,
            ),
            subject_id=eid,
            key=f"completed:{eid}",
        )
