"""Participants: the people trained. Personal data sits in its own class.

`PersonalData` holds what identifies or reaches a person; reports never carry these
fields (see `PersonalData.personal_fields()`).
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from .base import Part, Payload
from .values import Country, Email, Id, Language, OrganisationKind, Phone, Sex, Text


class Organisation(Part):
    """Where a participant works."""

    name: Text = Field(
        description="Organisation name.",
        examples=["Ministry of Migration and Displaced", "Commission nationale de migration"],
    )
    kind: OrganisationKind = Field(description="Kind of organisation.", examples=["government"])


class Consent(Part):
    """What the participant agreed to.

    Attributes:
        contact: may be sent messages (the certificate notice is always sent).
        statistics: may be counted in reports (anonymised, cells of at least 5).
    """

    contact: bool = Field(description="Agrees to be contacted.", examples=[True])
    statistics: bool = Field(description="Agrees to be counted in statistics.", examples=[True])


class PersonalData(Part):
    """The fields that identify or reach a person."""

    PERSONAL_FIELDS: ClassVar[tuple[str, ...]] = (
        "given_name",
        "family_name",
        "email",
        "phone",
        "birth_year",
    )

    given_name: Text = Field(description="Given name.", examples=["Fatima", "Moussa"])
    family_name: Text = Field(description="Family name.", examples=["Said Ali", "Diallo"])
    email: Email = Field(description="E-mail address.", examples=["f.saidali@miidat.example"])
    phone: Phone | None = Field(
        default=None, description="Phone number in E.164, optional.", examples=["+2693321234"]
    )
    birth_year: int | None = Field(
        default=None, ge=1900, le=2100, description="Year of birth, optional.", examples=[1981]
    )

    @classmethod
    def personal_fields(cls) -> tuple[str, ...]:
        return cls.PERSONAL_FIELDS


class ParticipantRegistered(PersonalData, Payload):
    """`participant.registered.v1`: a person is registered, or their profile updated.

    Attributes:
        consent: what they agreed to; `contact` false means no messages but the certificate.
        preferred_language: the language messages are sent in.
    """

    participant_id: Id = Field(description="Participant id.", examples=["iom:p-com-0001"])
    sex: Sex = Field(description="Sex.", examples=["female"])
    nationality: Country = Field(description="Nationality.", examples=["COM"])
    country_of_residence: Country = Field(description="Country of residence.", examples=["COM"])
    organisation: Organisation = Field(
        description="Where they work.",
        examples=[{"name": "Ministry of Migration and Displaced", "kind": "government"}],
    )
    position: Text | None = Field(
        default=None, description="Job title.", examples=["Director of Returnee Affairs"]
    )
    preferred_language: Language = Field(description="Language for messages.", examples=["fr"])
    consent: Consent = Field(
        description="Consent given.", examples=[{"contact": True, "statistics": True}]
    )
