"""Completion: the course's rule applied to every confirmed enrolment of a closed session."""

from __future__ import annotations

from typing import Any

from cohort_contracts.enrolments import EnrolmentCompleted
from cohort_kit import Unit

from . import domain, store
from .domain import SessionFacts


async def complete_if_closed(unit: Unit[Any, Any], session: SessionFacts) -> None:
    if session.status == "closed":
        await complete(unit, session)


async def complete(unit: Unit[Any, Any], session: SessionFacts) -> None:
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
