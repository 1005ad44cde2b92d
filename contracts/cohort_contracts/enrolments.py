"""Enrolments: requests and withdrawals from agencies, decisions from the enrolment service."""

from __future__ import annotations

from pydantic import Field

from .base import Payload
from .values import (
    CancellationReason,
    Id,
    Instant,
    Outcome,
    Ratio,
    RejectionReason,
    Score,
    Text,
    Url,
)


class EnrolmentRequested(Payload):
    """`enrolment.requested.v1` (intake): a participant asks for a seat in a session."""

    enrolment_id: Id = Field(description="Enrolment id.", examples=["iom:e-com-0001"])
    session_id: Id = Field(description="Session asked for.", examples=["iom:com-2023-06-emm2"])
    participant_id: Id = Field(description="Participant.", examples=["iom:p-com-0001"])
    nominated_by: Text | None = Field(
        default=None,
        description="Nominating organisation (counts against its quota), optional.",
        examples=["Ministry of Migration and Displaced"],
    )


class EnrolmentWithdrawn(Payload):
    """`enrolment.withdrawn.v1` (intake): the participant gives up the seat or place."""

    enrolment_id: Id = Field(description="Enrolment id.", examples=["iom:e-com-0007"])
    reason: Text | None = Field(
        default=None, description="Why, if given.", examples=["Mission abroad on those dates"]
    )


class EnrolmentConfirmed(Payload):
    """`enrolment.confirmed.v1`: the participant holds a seat."""

    enrolment_id: Id = Field(description="Enrolment id.", examples=["iom:e-com-0001"])
    session_id: Id = Field(description="Session.", examples=["iom:com-2023-06-emm2"])
    participant_id: Id = Field(description="Participant.", examples=["iom:p-com-0001"])
    seat: int = Field(ge=1, description="Seat number, 1-based.", examples=[1])
    promoted_from_waitlist: bool = Field(
        default=False,
        description="True when a freed seat went to this waitlisted request.",
        examples=[False],
    )


class EnrolmentWaitlisted(Payload):
    """`enrolment.waitlisted.v1`: the seats are taken; the request waits."""

    enrolment_id: Id = Field(description="Enrolment id.", examples=["iom:e-com-0031"])
    session_id: Id = Field(description="Session.", examples=["iom:com-2023-06-emm2"])
    participant_id: Id = Field(description="Participant.", examples=["iom:p-com-0031"])
    position: int = Field(ge=1, description="1 = next to be promoted.", examples=[1])


class EnrolmentRejected(Payload):
    """`enrolment.rejected.v1`: the request cannot be granted."""

    enrolment_id: Id = Field(description="Enrolment id.", examples=["iom:e-com-0033"])
    session_id: Id = Field(description="Session.", examples=["iom:com-2023-06-emm2"])
    participant_id: Id = Field(description="Participant.", examples=["iom:p-com-0033"])
    reason: RejectionReason = Field(description="Why.", examples=["session_full"])


class EnrolmentCancelled(Payload):
    """`enrolment.cancelled.v1`: a confirmed or waitlisted enrolment ends before delivery."""

    enrolment_id: Id = Field(description="Enrolment id.", examples=["iom:e-com-0007"])
    reason: CancellationReason = Field(description="Why.", examples=["withdrawn"])
    session_id: Id | None = Field(
        default=None, description="Session, for consumers' convenience.", examples=["iom:s-1"]
    )
    participant_id: Id | None = Field(
        default=None, description="Participant, for consumers' convenience.", examples=["iom:p-1"]
    )


class EnrolmentCompleted(Payload):
    """`enrolment.completed.v1`: the session closed and the outcome is decided.

    Attributes:
        outcome: `completed`, `attended` or `not_completed` (see the completion rule).
        attendance_ratio: share of days (or modules) present, 0 to 1.
        pre_score, post_score: assessment scores, null when not recorded.
    """

    enrolment_id: Id = Field(description="Enrolment id.", examples=["iom:e-com-0001"])
    session_id: Id = Field(description="Session.", examples=["iom:com-2023-06-emm2"])
    participant_id: Id = Field(description="Participant.", examples=["iom:p-com-0001"])
    course_id: Id = Field(description="Course.", examples=["iom:emm2-national"])
    outcome: Outcome = Field(description="Completion outcome.", examples=["completed"])
    attendance_ratio: Ratio = Field(description="Share attended, 0-1.", examples=[1.0])
    pre_score: Score | None = Field(default=None, description="Pre-test score.", examples=[48])
    post_score: Score | None = Field(default=None, description="Post-test score.", examples=[81])


class ParticipantLinkRequested(Payload):
    """`participant.link_requested.v1`: a signed link to the participant's page, to e-mail."""

    participant_id: Id = Field(description="Participant.", examples=["iom:p-com-0001"])
    link: Url = Field(
        description="Signed link to the participant page.",
        examples=["https://cohort.example.org/me?token=eyJhbGciOi"],
    )
    expires_at: Instant = Field(
        description="When the link stops working.", examples=["2023-06-12T08:00:00+00:00"]
    )
