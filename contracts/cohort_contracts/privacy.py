"""Erasure: an agency asks the network to forget one of its participants.

The request is an ordered fact in INTAKE: its position is when erasure takes effect, in
the first run and in every replay. Each service confirms once it has scrubbed its copy
(`participant.erased.v1`), and the erasure worker, after redacting the streams, announces
`erasure.completed.v1` with what the agency must erase on its side (GDPR Art. 19).

`RedactionRecord` is no event: it is what stands in a redacted stream slot (stream
`PRIVACY`, subject `privacy.redaction.<stream>.<seq>`), so a replay fills the slot with
the same event minus its direct identifiers (see `redacted_event`).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from .base import Part, Payload, Record
from .values import Id, Instant, Text

ErasureReason = Literal["data_subject_request", "consent_withdrawn", "retention_expired"]

# What a redacted event carries instead of a direct identifier: valid for the schema, so
# the replayed event is parsed and applied like the original, and meaning nothing.
ERASED_TEXT = "[erased]"
ERASED_EMAIL = "erased@erased.example"


class ParticipantErasureRequested(Payload):
    """`participant.erasure_requested.v1`: forget this participant (only its agency may ask).

    Attributes:
        reason: why; `retention_expired` is published by the operator's retention sweeper.
    """

    participant_id: Id = Field(description="Participant to forget.", examples=["iom:p-com-0001"])
    reason: ErasureReason = Field(description="Why.", examples=["data_subject_request"])


class ParticipantErased(Payload):
    """`participant.erased.v1`: one service has forgotten the participant (its confirmation).

    Attributes:
        request_id: id of the `participant.erasure_requested.v1` event it answers.
        cancelled_enrolments: live enrolments of sessions not yet started, now withdrawn.
        kept: what the service keeps, pseudonymous (for the completion notice).
    """

    participant_id: Id = Field(description="Participant.", examples=["iom:p-com-0001"])
    request_id: Text = Field(description="The request answered.", examples=["9a1d2c3b-0001"])
    service: Text = Field(description="The confirming service.", examples=["enrolment"])
    reason: ErasureReason = Field(
        description="Reason of the request.", examples=["consent_withdrawn"]
    )
    cancelled_enrolments: list[Id] = Field(
        default_factory=list, description="Enrolments withdrawn.", examples=[["iom:e-1"]]
    )
    kept: list[Text] = Field(
        default_factory=list,
        description="What stays, pseudonymous.",
        examples=[["enrolments (seat, status)", "attendance"]],
    )


class RedactedSlot(Part):
    """One stream message whose content was securely deleted."""

    stream: Text = Field(description="Stream.", examples=["INTAKE"])
    seq: int = Field(ge=1, description="Stream sequence.", examples=[42])
    event_id: Text | None = Field(
        default=None, description="Event id, if it was one.", examples=["0b7c6a8e-0001"]
    )
    type: Text | None = Field(
        default=None,
        description="Event type, if it was one.",
        examples=["participant.registered.v1"],
    )


class AgencyDuty(Part):
    """An event the agency published with the person's data: it must erase its own copy."""

    event_id: Text = Field(description="Event id.", examples=["0b7c6a8e-0001"])
    type: Text = Field(description="Event type.", examples=["participant.registered.v1"])
    time: Instant = Field(description="Event time.", examples=["2023-06-05T08:00:00+03:00"])
    fields: list[Text] = Field(description="Fields it held.", examples=[["email", "phone"]])


class ErasureCompleted(Payload):
    """`erasure.completed.v1`: every service and stream has forgotten the participant.

    Published on `privacy.completed.<agency>`, the subject the agency waits on.

    Attributes:
        services: the services that confirmed.
        redacted: stream slots whose content was securely deleted (each has a redaction record).
        agency_must_erase: what the agency published and must now erase itself (Art. 19).
    """

    participant_id: Id = Field(description="Participant.", examples=["iom:p-com-0001"])
    request_id: Text = Field(description="The request answered.", examples=["9a1d2c3b-0001"])
    reason: ErasureReason = Field(description="Reason.", examples=["data_subject_request"])
    services: list[Text] = Field(description="Services that confirmed.", examples=[["enrolment"]])
    redacted: list[RedactedSlot] = Field(description="Slots redacted.", examples=[[]])
    agency_must_erase: list[AgencyDuty] = Field(description="Agency's own duties.", examples=[[]])


class RedactionRecord(Record):
    """What explains a deleted slot; it holds no direct identifier.

    Attributes:
        event: the redacted message body (for events: the envelope with direct identifiers
            replaced by placeholders, extension-free); null when the slot held no event.
    """

    stream: str
    seq: int
    subject: str
    request_id: str
    event: dict[str, Any] | None = None


def redacted_data(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """`data` of an event with every direct identifier replaced (see `classification`)."""
    from .classification import DIRECT, EVENT_FIELDS

    out = dict(data)
    for path, (kind, placeholder) in EVENT_FIELDS.get(event_type, {}).items():
        if kind != DIRECT or "." in path or path not in out:
            continue
        out[path] = placeholder
    if event_type == "participant.registered.v1":
        # Quasi-identifiers no decision needs: the nationality takes the residence, which
        # the record keeps for the decisions that use it; sex becomes undisclosed.
        out["sex"] = "undisclosed"
        out["nationality"] = out.get("country_of_residence")
    return out
