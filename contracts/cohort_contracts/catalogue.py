"""The event catalogue of ARCHITECTURE.md: every type, its payload model, stream and subject.

Intake specs have no subject: they travel on `intake.<agency>.<entity>.<verb>`.
"""

from __future__ import annotations

from . import enrolments as en
from .attendance import AssessmentRecorded, AttendanceRecorded
from .certificates import (
    CertificateIssued,
    CertificateRevocationRequested,
    CertificateRevoked,
    TrainerCertified,
)
from .courses import CoursePublished
from .evaluations import EvaluationSubmitted
from .internal import INTERNAL_SPECS
from .notifications import NotificationFailed, NotificationSent
from .participants import ParticipantRegistered
from .privacy import ErasureCompleted, ParticipantErased, ParticipantErasureRequested
from .registry import EventSpec, Registry
from .reports import ReportPublished
from .sessions import SessionCancelled, SessionClosed, SessionRescheduled, SessionScheduled

INTAKE = "INTAKE"

INTAKE_SPECS = [
    EventSpec("course.published.v1", CoursePublished, INTAKE, description="A course."),
    EventSpec("session.scheduled.v1", SessionScheduled, INTAKE, description="A session."),
    EventSpec("session.rescheduled.v1", SessionRescheduled, INTAKE, description="Changed facts."),
    EventSpec("session.cancelled.v1", SessionCancelled, INTAKE, description="Will not happen."),
    EventSpec("session.closed.v1", SessionClosed, INTAKE, description="Delivery finished."),
    EventSpec("participant.registered.v1", ParticipantRegistered, INTAKE, description="A person."),
    EventSpec("enrolment.requested.v1", en.EnrolmentRequested, INTAKE, description="Seat asked."),
    EventSpec("enrolment.withdrawn.v1", en.EnrolmentWithdrawn, INTAKE, description="Given up."),
    EventSpec("attendance.recorded.v1", AttendanceRecorded, INTAKE, description="Presence."),
    EventSpec("assessment.recorded.v1", AssessmentRecorded, INTAKE, description="Test score."),
    EventSpec(
        "certificate.revocation_requested.v1",
        CertificateRevocationRequested,
        INTAKE,
        description="An agency revokes its certificate.",
    ),
    EventSpec("evaluation.submitted.v1", EvaluationSubmitted, INTAKE, description="Feedback."),
]

NETWORK_SPECS = [
    EventSpec(
        "enrolment.confirmed.v1",
        en.EnrolmentConfirmed,
        "ENROLMENT",
        subject="enrolment.confirmed",
        description="A seat is held.",
    ),
    EventSpec(
        "enrolment.waitlisted.v1",
        en.EnrolmentWaitlisted,
        "ENROLMENT",
        subject="enrolment.waitlisted",
        description="The request waits for a seat.",
    ),
    EventSpec(
        "enrolment.rejected.v1",
        en.EnrolmentRejected,
        "ENROLMENT",
        subject="enrolment.rejected",
        description="The request is refused.",
    ),
    EventSpec(
        "enrolment.cancelled.v1",
        en.EnrolmentCancelled,
        "ENROLMENT",
        subject="enrolment.cancelled",
        description="An enrolment ended before delivery.",
    ),
    EventSpec(
        "enrolment.completed.v1",
        en.EnrolmentCompleted,
        "ENROLMENT",
        subject="enrolment.completed",
        description="The completion outcome.",
    ),
    EventSpec(
        "participant.link_requested.v1",
        en.ParticipantLinkRequested,
        "ENROLMENT",
        subject="enrolment.link_requested",
        description="A signed participant-page link to e-mail.",
    ),
    EventSpec(
        "certificate.issued.v1",
        CertificateIssued,
        "CERTIFICATION",
        subject="certification.issued",
        description="A certificate was issued.",
    ),
    EventSpec(
        "certificate.revoked.v1",
        CertificateRevoked,
        "CERTIFICATION",
        subject="certification.revoked",
        description="A certificate was revoked.",
    ),
    EventSpec(
        "trainer.certified.v1",
        TrainerCertified,
        "CERTIFICATION",
        subject="certification.trainer",
        description="A trainer was certified.",
    ),
    EventSpec(
        "notification.sent.v1",
        NotificationSent,
        "NOTIFICATION",
        subject="notification.sent",
        description="A message was delivered.",
    ),
    EventSpec(
        "notification.failed.v1",
        NotificationFailed,
        "NOTIFICATION",
        subject="notification.failed",
        description="A message could not be delivered.",
    ),
    EventSpec(
        "report.published.v1",
        ReportPublished,
        "REPORTS",
        subject="reports.>",
        description="A report on reports.<scope>.<value>.<kind>.",
    ),
]

PRIVACY_SPECS = [
    EventSpec(
        "participant.erasure_requested.v1",
        ParticipantErasureRequested,
        INTAKE,
        description="Forget a participant (only the agency that registered them may ask).",
    ),
    EventSpec(
        "participant.erased.v1",
        ParticipantErased,
        "PRIVACY",
        subject="privacy.erased.>",
        description="A service forgot a participant: privacy.erased.<service>.<request digest>.",
    ),
    EventSpec(
        "erasure.completed.v1",
        ErasureCompleted,
        "PRIVACY",
        subject="privacy.completed.>",
        description="The network forgot a participant: privacy.completed.<agency>.",
    ),
]

REGISTRY = Registry([*INTAKE_SPECS, *NETWORK_SPECS, *PRIVACY_SPECS, *INTERNAL_SPECS])
