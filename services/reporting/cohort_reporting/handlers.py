"""One small handler per event type: store the fact keyed by its own id, nothing else.

Facts from different consumers arrive in any relative order; nothing here depends on
another fact being present, so the projections converge whatever the order.
"""

from __future__ import annotations

from typing import Any

from cohort_contracts.attendance import AssessmentRecorded
from cohort_contracts.certificates import CertificateIssued, CertificateRevoked, TrainerCertified
from cohort_contracts.courses import CoursePublished
from cohort_contracts.enrolments import (
    EnrolmentCancelled,
    EnrolmentCompleted,
    EnrolmentConfirmed,
    EnrolmentRejected,
    EnrolmentWaitlisted,
)
from cohort_contracts.evaluations import EvaluationSubmitted
from cohort_contracts.notifications import NotificationFailed, NotificationSent
from cohort_contracts.participants import ParticipantRegistered
from cohort_contracts.sessions import (
    SessionCancelled,
    SessionClosed,
    SessionRescheduled,
    SessionScheduled,
)
from cohort_kit import Router, Unit

from . import store

intake = Router()
enrolment = Router()
certification = Router()
notification = Router()
Decision = EnrolmentConfirmed | EnrolmentWaitlisted | EnrolmentRejected


def _note(unit: Unit[Any], consumer: str) -> store.Note:
    """The event counted in provenance by the same statement as its fact (one round trip)."""
    return (consumer, unit.event.time)


@intake.on(CoursePublished, emits=[])
async def on_course(unit: Unit[CoursePublished]) -> None:
    c = unit.payload
    await store.upsert_course(
        unit.con,
        c.course_id,
        c.programme,
        c.training_of_trainers,
        note=_note(unit, "reporting-intake"),
    )


@intake.on(SessionScheduled, emits=[])
async def on_session(unit: Unit[SessionScheduled]) -> None:
    await store.upsert_session(
        unit.con, unit.event.agency, unit.payload, note=_note(unit, "reporting-intake")
    )


@intake.on(SessionRescheduled, emits=[])
async def on_rescheduled(unit: Unit[SessionRescheduled]) -> None:
    p = unit.payload
    await store.add_session_change(
        unit.con,
        unit.event.id,
        p.session_id,
        unit.event.time,
        p.start_date,
        p.end_date,
        p.mode,
        note=_note(unit, "reporting-intake"),
    )


@intake.on(SessionCancelled, emits=[])
async def on_cancelled(unit: Unit[SessionCancelled]) -> None:
    await store.mark_session(
        unit.con,
        unit.payload.session_id,
        cancelled=unit.event.time,
        note=_note(unit, "reporting-intake"),
    )


@intake.on(SessionClosed, emits=[])
async def on_closed(unit: Unit[SessionClosed]) -> None:
    await store.mark_session(
        unit.con,
        unit.payload.session_id,
        closed=unit.event.time,
        closed_event_id=unit.event.id,
        note=_note(unit, "reporting-intake"),
    )


@intake.on(ParticipantRegistered, emits=[])
async def on_participant(unit: Unit[ParticipantRegistered]) -> None:
    await store.upsert_participant(
        unit.con, unit.event.time, unit.payload, note=_note(unit, "reporting-intake")
    )


@intake.on(AssessmentRecorded, emits=[])
async def on_assessment(unit: Unit[AssessmentRecorded]) -> None:
    await store.upsert_assessment(
        unit.con, unit.event.time, unit.payload, note=_note(unit, "reporting-intake")
    )


@intake.on(EvaluationSubmitted, emits=[])
async def on_evaluation(unit: Unit[EvaluationSubmitted]) -> None:
    e = unit.payload
    respondent = e.participant_id or f"anonymous:{unit.event.id}"
    await store.upsert_evaluation(
        unit.con, unit.event.time, respondent, e, note=_note(unit, "reporting-intake")
    )


@enrolment.on(EnrolmentConfirmed, EnrolmentWaitlisted, EnrolmentRejected, emits=[])
async def on_decision(unit: Unit[Decision]) -> None:
    p = unit.payload
    flag = unit.event.type.split(".")[1]
    await store.mark_enrolment(
        unit.con,
        p.enrolment_id,
        flag,
        p.session_id,
        p.participant_id,
        note=_note(unit, "reporting-enrolment"),
    )


@enrolment.on(EnrolmentCancelled, emits=[])
async def on_enrolment_cancelled(unit: Unit[EnrolmentCancelled]) -> None:
    p = unit.payload
    await store.mark_enrolment(
        unit.con,
        p.enrolment_id,
        "cancelled",
        p.session_id,
        p.participant_id,
        note=_note(unit, "reporting-enrolment"),
    )


@enrolment.on(EnrolmentCompleted, emits=[])
async def on_completed(unit: Unit[EnrolmentCompleted]) -> None:
    await store.upsert_completion(unit.con, unit.payload, note=_note(unit, "reporting-enrolment"))


@certification.on(CertificateIssued, emits=[])
async def on_issued(unit: Unit[CertificateIssued]) -> None:
    await store.upsert_certificate(
        unit.con, unit.payload, note=_note(unit, "reporting-certification")
    )


@certification.on(CertificateRevoked, emits=[])
async def on_revoked(unit: Unit[CertificateRevoked]) -> None:
    await store.add_revocation(
        unit.con,
        unit.payload.certificate_id,
        unit.event.time,
        note=_note(unit, "reporting-certification"),
    )


@certification.on(TrainerCertified, emits=[])
async def on_trainer(unit: Unit[TrainerCertified]) -> None:
    await store.upsert_trainer(unit.con, unit.payload, note=_note(unit, "reporting-certification"))


@notification.on(NotificationSent, NotificationFailed, emits=[])
async def on_notification(unit: Unit[NotificationSent]) -> None:
    status = unit.event.type.split(".")[1]
    await store.add_notification(
        unit.con, status, unit.event.time, unit.payload, note=_note(unit, "reporting-notification")
    )


ROUTERS = {
    "reporting-intake": intake,
    "reporting-enrolment": enrolment,
    "reporting-certification": certification,
    "reporting-notification": notification,
}

# Forgetting a participant lives in its own module; it joins the intake router here, so
# the live consumers and the rebuild apply it alike.
from .erasure import register as _register_erasure  # noqa: E402

_register_erasure(intake)
