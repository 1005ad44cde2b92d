"""The CloudEvents 1.0 envelope (structured JSON mode) every Cohort message travels in."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .values import Instant

TYPE_PATTERN = re.compile(r"^(?P<name>[a-z_]+\.[a-z_]+)\.v(?P<version>[1-9][0-9]*)$")
AGENCY_PATTERN = r"^[a-z][a-z0-9_-]{0,31}$"


class CloudEvent(BaseModel):
    """One message: CloudEvents 1.0 attributes, our extensions, and the untyped `data`.

    Attributes:
        id: unique per source; equals the `Nats-Msg-Id` header, used for de-duplication.
        agency: extension; on intake it must equal the `<agency>` token of the subject.
        correlationid, causationid: extensions copied along every chain of events.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    specversion: Literal["1.0"] = Field(description="CloudEvents version.", examples=["1.0"])
    id: str = Field(
        min_length=1,
        max_length=200,
        description="Unique per source; also sent as the Nats-Msg-Id header.",
        examples=["0b7c6a8e-3f55-4c39-9d0e-1f2a3b4c5d6e"],
    )
    source: str = Field(
        min_length=1,
        max_length=200,
        description="The publishing system.",
        examples=["iom/comoros", "cohort/enrolment"],
    )
    type: str = Field(
        pattern=TYPE_PATTERN.pattern,
        description="`<entity>.<verb>.v<N>` from the catalogue.",
        examples=["session.scheduled.v1"],
    )
    time: Instant = Field(
        description="When it happened, RFC 3339 with offset.",
        examples=["2023-06-05T08:00:00+03:00"],
    )
    subject: str | None = Field(
        default=None,
        max_length=200,
        description="The main entity id (session, enrolment or certificate id).",
        examples=["iom:com-2023-06"],
    )
    datacontenttype: Literal["application/json"] = Field(
        default="application/json",
        description="Always JSON.",
        examples=["application/json"],
    )
    agency: str = Field(
        pattern=AGENCY_PATTERN,
        description="Extension: the agency the event belongs to.",
        examples=["iom", "icmpd"],
    )
    correlationid: str | None = Field(
        default=None,
        max_length=200,
        description="Extension: id shared by every event of one chain.",
        examples=["0b7c6a8e-3f55-4c39-9d0e-1f2a3b4c5d6e"],
    )
    causationid: str | None = Field(
        default=None,
        max_length=200,
        description="Extension: id of the event that caused this one.",
        examples=["9a1d2c3b-0000-4000-8000-000000000001"],
    )
    data: dict[str, Any] = Field(description="The payload; its model depends on `type`.")

    @property
    def type_name(self) -> str:
        """`session.scheduled` of `session.scheduled.v1`."""
        match = TYPE_PATTERN.match(self.type)
        assert match is not None  # guaranteed by the field pattern
        return match["name"]

    @property
    def type_version(self) -> int:
        match = TYPE_PATTERN.match(self.type)
        assert match is not None
        return int(match["version"])


def new_event_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)
