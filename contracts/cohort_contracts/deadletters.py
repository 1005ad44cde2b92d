"""The dead-letter record: what a service parks on `deadletter.<service>` (stream DEADLETTER).

It is not a CloudEvent: it describes one message that could never be applied (the reason,
the original bytes, where it was in its stream), so it can be read, fixed and replayed.
`cohort_kit.deadletter.deadletter_record` writes it; the AsyncAPI document declares it.
"""

from __future__ import annotations

from pydantic import Field

from .base import Record
from .values import Instant

CONTENT_TYPE = "application/json"


class DeadLetter(Record):
    """One parked message.

    Attributes:
        reason: a contract error (`schema_violation`, `not_json`, `too_large`...), a kit
            decision (`handler_error`, `max_deliveries`, `not_owner`, `unparseable`) or a
            handler's own `Invalid` reason.
        body_base64: the original body (the first 64 KiB of it when `body_truncated`).
    """

    service: str = Field(description="The service that parked it.", examples=["enrolment"])
    consumer: str = Field(description="Its durable consumer.", examples=["enrolment-intake"])
    reason: str = Field(
        pattern=r"^[a-z][a-z0-9_]*$",
        description="Why it can never be applied.",
        examples=["schema_violation"],
    )
    detail: str = Field(
        max_length=4000,
        description="What exactly is wrong (a traceback for handler errors).",
        examples=["participant.registered.v1: nationality: 'NIG' is not ..."],
    )
    subject: str = Field(
        description="The subject it arrived on.", examples=["intake.iom.participant.registered"]
    )
    stream: str | None = Field(default=None, description="Its stream.", examples=["INTAKE"])
    stream_seq: int | None = Field(
        default=None, ge=0, description="Its sequence in that stream.", examples=[42]
    )
    deliveries: int | None = Field(
        default=None, ge=0, description="Times it was delivered.", examples=[1]
    )
    headers: dict[str, str] = Field(
        default_factory=dict,
        description="Its NATS headers.",
        examples=[{"Nats-Msg-Id": "0b7c6a8e-3f55-4c39-9d0e-1f2a3b4c5d6e"}],
    )
    body_base64: str = Field(description="The original body, base64.", examples=["eyJpZCI6..."])
    body_bytes: int | None = Field(
        default=None, ge=0, description="Length of the original body.", examples=[912]
    )
    body_sha256: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{64}$",
        description="SHA-256 of the original body, hex.",
        examples=["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"],
    )
    body_truncated: bool = Field(
        default=False, description="Only the first 64 KiB are kept.", examples=[False]
    )
    body_text: str | None = Field(
        default=None, description="The body as text, when UTF-8 and short.", examples=["{...}"]
    )
    dead_lettered_at: Instant = Field(
        description="When it was parked.", examples=["2026-06-05T08:00:01+00:00"]
    )
