"""Sessions: one delivery of a course, at a place and time, with its seats."""

from __future__ import annotations

from datetime import date

from pydantic import Field, model_validator

from .base import Part, Payload, ensure_in_order
from .values import (
    Country,
    Email,
    Id,
    Instant,
    Language,
    Mode,
    NonNegativeInt,
    OrganisationKind,
    Text,
    TimeZone,
)


def _end_not_before_start(
    session: SessionScheduled | SessionRescheduled,
) -> SessionScheduled | SessionRescheduled:
    """The one rule between fields of both payloads that state a session's dates."""
    ensure_in_order(session.start_date, session.end_date, "end_date is before start_date")
    return session


class Partner(Part):
    """An organisation the session is delivered with."""

    name: Text = Field(
        description="Partner name.",
        examples=["Ministry of the Interior, Information, Decentralization (MIIDAT)"],
    )
    kind: OrganisationKind = Field(description="Kind of organisation.", examples=["government"])
    country: Country | None = Field(default=None, description="Its country.", examples=["COM"])


class Funding(Part):
    """Who pays for the session."""

    donor: Text = Field(description="Donor.", examples=["Netherlands", "Denmark", "European Union"])
    project: Text | None = Field(
        default=None, description="Funded project or programme.", examples=["COMPASS", "CAIR-II"]
    )


class SessionScheduled(Payload):
    """`session.scheduled.v1`: a course will be delivered; enrolment opens.

    Attributes:
        capacity: seats; the enrolment service never confirms more.
        waitlist_capacity: places on the waitlist once the seats are taken.
        nomination_quotas: optional cap of seats per nominating organisation.
        enrolment_closes_at: requests standing in intake after this moment are rejected.
    """

    session_id: Id = Field(description="Session id.", examples=["iom:com-2023-06-emm2"])
    course_id: Id = Field(description="Course delivered.", examples=["iom:emm2-national"])
    office: Text = Field(description="Organising office.", examples=["IOM Comoros", "ICMPD Iraq"])
    country: Country = Field(description="Country of delivery.", examples=["COM"])
    city: Text = Field(description="City of delivery.", examples=["Moroni", "Dakar", "Baghdad"])
    venue: Text | None = Field(
        default=None,
        description="Venue, if known.",
        examples=["Migration Training Centre (MTC), Ministry of Migration and Displaced"],
    )
    start_date: date = Field(description="First day (local).", examples=["2023-06-05"])
    end_date: date = Field(
        description="Last day (local), not before start.", examples=["2023-06-09"]
    )
    timezone: TimeZone = Field(description="IANA zone of the venue.", examples=["Indian/Comoro"])
    mode: Mode = Field(description="Delivery mode.", examples=["in_person"])
    languages: list[Language] = Field(
        min_length=1, description="Languages of delivery, main first.", examples=[["fr", "ar"]]
    )
    capacity: NonNegativeInt = Field(description="Seats.", examples=[30])
    waitlist_capacity: NonNegativeInt = Field(
        default=0, description="Waitlist places.", examples=[2]
    )
    audience: list[OrganisationKind] = Field(
        default_factory=list,
        description="Kinds of organisation the session is for.",
        examples=[["government", "civil_society"]],
    )
    partners: list[Partner] = Field(
        default_factory=list,
        description="Partner organisations.",
        examples=[[{"name": "MIIDAT", "kind": "government", "country": "COM"}]],
    )
    funding: list[Funding] = Field(
        default_factory=list,
        description="Donors and projects.",
        examples=[[{"donor": "Netherlands", "project": "COMPASS"}]],
    )
    facilitators: list[Id] = Field(
        default_factory=list,
        description="Trainer ids (participant ids of certified trainers).",
        examples=[["iom:p-wca-tot-01"]],
    )
    nomination_quotas: dict[Text, NonNegativeInt] | None = Field(
        default=None,
        description="Seats per nominating organisation; organisations not named are not capped.",
        examples=[{"Ministry of Migration and Displaced": 8}],
    )
    enrolment_closes_at: Instant = Field(
        description="When enrolment closes (with offset).", examples=["2023-05-29T17:00:00+03:00"]
    )
    organiser_email: Email = Field(
        description="Contact of the organiser.", examples=["emm.comoros@iom-training.example"]
    )

    _dates_in_order = model_validator(mode="after")(_end_not_before_start)


class SessionRescheduled(Payload):
    """`session.rescheduled.v1`: some facts of a scheduled session change; absent = unchanged."""

    session_id: Id = Field(description="Session id.", examples=["iom:ner-2023-emm2"])
    start_date: date | None = Field(
        default=None, description="New first day.", examples=["2023-03-14"]
    )
    end_date: date | None = Field(
        default=None, description="New last day.", examples=["2023-03-16"]
    )
    venue: Text | None = Field(default=None, description="New venue.", examples=["Hotel Gaweye"])
    city: Text | None = Field(default=None, description="New city.", examples=["Niamey"])
    capacity: NonNegativeInt | None = Field(default=None, description="New seats.", examples=[28])
    waitlist_capacity: NonNegativeInt | None = Field(
        default=None, description="New waitlist places.", examples=[3]
    )
    timezone: TimeZone | None = Field(
        default=None, description="New IANA zone.", examples=["Africa/Niamey"]
    )
    enrolment_closes_at: Instant | None = Field(
        default=None, description="New enrolment closing.", examples=["2023-03-10T17:00:00+01:00"]
    )
    mode: Mode | None = Field(default=None, description="New delivery mode.", examples=["blended"])

    _dates_in_order = model_validator(mode="after")(_end_not_before_start)


class SessionCancelled(Payload):
    """`session.cancelled.v1`: the session will not take place; its enrolments are cancelled."""

    session_id: Id = Field(description="Session id.", examples=["iom:ner-2023-emm2"])
    reason: Text = Field(description="Why.", examples=["Security situation in the region"])


class SessionClosed(Payload):
    """`session.closed.v1`: delivery finished; completion is decided now."""

    session_id: Id = Field(description="Session id.", examples=["iom:com-2023-06-emm2"])
