"""Seats: confirm, waitlist, reject, cancel, and fit a session's enrolments to its capacity.

Every function runs inside the unit's transaction, under the session's row lock taken
by the handler (`handlers.py`), and emits the decision it takes.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from cohort_contracts.enrolments import (
    EnrolmentCancelled,
    EnrolmentConfirmed,
    EnrolmentRejected,
    EnrolmentRequested,
    EnrolmentWaitlisted,
)
from cohort_kit import Unit

from . import domain, store
from .completion import complete
from .deps import Deps
from .domain import SessionFacts

Request = Unit[EnrolmentRequested, Deps]
AnyUnit = Unit[Any, Deps]


async def _queue_key(unit: Request) -> int:
    return unit.stream_seq if unit.stream_seq is not None else await store.next_queue_key(unit.con)


async def _new(unit: Request) -> store.NewEnrolment:
    req = unit.payload
    return store.NewEnrolment(
        req.enrolment_id,
        req.session_id,
        req.participant_id,
        unit.event.agency,
        req.nominated_by,
        await _queue_key(unit),
        unit.event.time,
    )


async def _insert(unit: Request, status: str, seat: int | None, reason: str | None) -> None:
    await store.insert_enrolment(
        unit.con, await _new(unit), status=status, seat=seat, reason=reason
    )


async def confirm_new(unit: Request, session: SessionFacts, *, seat: int | None = None) -> None:
    """Confirm a new request; `seat` when `store.request_seat` already wrote its row."""
    if seat is None:  # the lowest free seat, chosen by the INSERT
        seat = await store.insert_confirmed(unit.con, await _new(unit))
    if seat is None:  # the decision read the same rows under the same lock: a bug if seen
        raise RuntimeError(f"no free seat in {session.session_id} for a confirmed request")
    await _emit_confirmed(unit, unit.payload.model_dump(), seat, promoted=False)
    if session.status == "closed":  # a request that stood in INTAKE before closing, late
        await complete(unit, session)


async def waitlist_new(unit: Request, session: SessionFacts) -> None:
    before = await _positions(unit.con, session.session_id)
    await _insert(unit, "waitlisted", None, None)
    await _announce_waitlist(unit, session.session_id, before)


async def reject(unit: Request, reason: str) -> None:
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


async def reschedule(unit: AnyUnit, session_id: str, changes: dict[str, object]) -> None:
    await store.lock_session(unit.con, session_id)
    await store.update_session(unit.con, session_id, changes)
    session = await store.session(unit.con, session_id)
    if session is not None and session.status == "scheduled":
        await fit_capacity(unit, session)


async def fit_capacity(unit: AnyUnit, session: SessionFacts) -> None:
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


async def _announce_waitlist(unit: AnyUnit, session_id: str, before: dict[str, int]) -> None:
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
    unit: AnyUnit, row: asyncpg.Record | dict[str, str] | None, seat: int, *, promoted: bool
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


async def _page_link(unit: AnyUnit, row: asyncpg.Record | dict[str, str]) -> None:
    """The participant page's link goes just before the confirmation (see `participant.issuing`)."""
    links = unit.deps.links
    if not links.enabled:
        return
    session = await store.session(unit.con, row["session_id"])
    await links.with_message(
        unit,
        row["participant_id"],
        key=f"link:{row['enrolment_id']}",
        last_day=session.end_date if session else None,
    )


async def cancel(unit: AnyUnit, row: asyncpg.Record, reason: str) -> None:
    """Cancel one live enrolment and say so."""
    await store.set_status(unit.con, row["enrolment_id"], "cancelled", reason=reason)
    await emit_cancelled(unit, row, reason)


async def emit_cancelled(unit: AnyUnit, row: asyncpg.Record, reason: str) -> None:
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
