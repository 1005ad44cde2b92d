"""The figures of a report (`report.published.v1` `figures`), figure by figure.

Every number says what it counts (`x-unit`: people, enrolments, sessions, certificates,
answers, messages, percent, points). A count of people, and every figure computed from one,
is `null` when suppressed: fewer than 5 people stand behind it, or it would let a reader
recompute one that does (its path is then in `suppressed_cells`). Counts of sessions are never
suppressed. Keys and categories are fixed by `definition_version`; a figure not described
here is rejected.

definition_version 1 (reports published before issue 15) had an open shape and is accepted
as such (`LegacyFigures`); version 2 is described in full (`Figures`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, RootModel, model_validator
from pydantic.json_schema import JsonDict

from .base import Part
from .values import Mode, OrganisationKind

DEFINITION_VERSION = "2"
COUNTRY_KEY = r"^([A-Z]{3}|unknown)$"


def _unit(unit: str, description: str, example: Any) -> Any:
    return Field(description=description, examples=[example], json_schema_extra={"x-unit": unit})


def _part(description: str, example: Any) -> Any:
    return Field(description=description, examples=[example])


People = Annotated[
    int | None, Field(ge=0), _unit("people", "A count of people; `null` when suppressed.", 12)
]
Percent = Annotated[
    float | None,
    Field(ge=0, le=100),
    _unit("percent", "A percentage, one decimal; `null` when its base is 0 or suppressed.", 80.0),
]
Points = Annotated[
    float | None,
    Field(ge=-100, le=100),
    _unit(
        "points", "Score points (0-100 scale), one decimal; `null` when none or suppressed.", 14.3
    ),
]
Sessions = Annotated[int, Field(ge=0), _unit("sessions", "A count of sessions.", 3)]
CountryKey = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
_CLOSED_MAP: JsonDict = {"additionalProperties": False}


class SessionFigures(Part):
    """Sessions of the scope starting in the period (not counts of people: never suppressed)."""

    scheduled: Sessions
    cancelled: Sessions
    delivered: Sessions = _part("Sessions closed and not cancelled.", 1)
    by_mode: dict[Mode, Sessions] = _part("Delivered sessions by mode.", {"in_person": 1})
    by_country: dict[CountryKey, Sessions] = Field(
        description="Delivered sessions by ISO 3166-1 alpha-3 country.",
        examples=[{"NER": 1}],
        json_schema_extra=_CLOSED_MAP,
    )
    by_programme: dict[str, Sessions] = _part("Delivered sessions by programme.", {"EMM2.0": 1})
    by_audience: dict[OrganisationKind, Sessions] = _part(
        "Delivered sessions by audience (organisation kind).", {"government": 1}
    )


class BySex(Part):
    """Trained people by sex: every category, always."""

    female: People
    male: People
    other: People
    undisclosed: People
    unknown: People = _part("People whose profile is not known; `null` when suppressed.", 0)


class ByOrganisationKind(Part):
    """Trained people by the kind of their organisation: every category, always."""

    government: People
    civil_society: People
    international_organisation: People
    academia: People
    private_sector: People
    agency_staff: People
    unknown: People = _part("People whose profile is not known; `null` when suppressed.", 0)


ByCountry = Annotated[
    dict[Annotated[str, Field(pattern=COUNTRY_KEY)], People],
    Field(
        description="Trained people by country (ISO 3166-1 alpha-3, or `unknown`): every "
        "country of the people enrolled in the scope's sessions of the period, and `unknown`, "
        "whether anyone trained is in it or not.",
        examples=[{"NER": 15, "MLI": None, "unknown": 0}],
        json_schema_extra=_CLOSED_MAP,
    ),
]


class ParticipantFigures(Part):
    trained: People = _part("Unique people with outcome completed or attended.", 30)
    by_sex: BySex = _part(
        "Trained people by sex.",
        {"female": 17, "male": None, "other": 0, "undisclosed": None, "unknown": 0},
    )
    by_organisation_kind: ByOrganisationKind = _part(
        "Trained people by organisation kind.",
        {
            "government": 22,
            "civil_society": None,
            "international_organisation": 0,
            "academia": None,
            "private_sector": 0,
            "agency_staff": 0,
            "unknown": 0,
        },
    )
    by_nationality: ByCountry
    by_residence: ByCountry


class EnrolmentFigures(Part):
    """Enrolments by state (one promoted from the waitlist counts in confirmed and waitlisted)."""

    confirmed: People
    waitlisted: People
    rejected: People
    cancelled: People


class CompletionFigures(Part):
    decided: People = _part("Enrolments whose completion was decided.", 30)
    completed: People
    attended: People
    not_completed: People
    rate_percent: Percent = _part("completed / decided, in percent.", 80.0)


class CertificateFigures(Part):
    issued: People
    revoked: People
    valid: People = _part("issued - revoked.", 24)


class TrainerFigures(Part):
    certified: People = _part("Trainer certificates whose ToT session is in scope.", 0)
    cascade_sessions: Sessions = _part("Sessions led by a certified trainer.", 1)
    cascade_participants_trained: People


class Ratings(Part):
    relevance: People
    will_improve_performance: People
    methodology: People
    content_quality: People


class PercentRatings(Part):
    relevance: Percent
    will_improve_performance: Percent
    methodology: Percent
    content_quality: Percent


class SatisfactionFigures(Part):
    respondents: People = _part("Evaluations submitted.", 27)
    agree: Ratings = _part(
        "Answers 4 (agree) or 5 (strongly agree), per rating.",
        {
            "relevance": 27,
            "will_improve_performance": 25,
            "methodology": None,
            "content_quality": 20,
        },
    )
    agree_percent: PercentRatings = _part(
        "agree / respondents, per rating, in percent.",
        {
            "relevance": 100.0,
            "will_improve_performance": 92.6,
            "methodology": None,
            "content_quality": 74.1,
        },
    )


class GainDistribution(Part):
    """People by knowledge gain (post - pre, in points)."""

    below_0: People
    zero_to_9: People = Field(alias="0_to_9", description="Gain 0 to 9 points.", examples=[4])
    ten_to_19: People = Field(alias="10_to_19", description="Gain 10 to 19.", examples=[10])
    twenty_to_29: People = Field(alias="20_to_29", description="Gain 20 to 29.", examples=[10])
    thirty_and_more: People = Field(alias="30_and_more", description="Gain 30+.", examples=[0])


class KnowledgeGainFigures(Part):
    participants: People = _part("People with both a pre- and a post-test.", 30)
    mean_pre: Points
    mean_post: Points
    mean_gain: Points
    distribution: GainDistribution = _part(
        "People by gain (post - pre).",
        {"below_0": None, "0_to_9": None, "10_to_19": 10, "20_to_29": 10, "30_and_more": 0},
    )


class NotificationFigures(Part):
    """Messages to people enrolled in the scope's sessions."""

    sent: People
    failed: People


class Provenance(Part):
    """Where the numbers come from (not figures: never suppressed)."""

    definition_version: Literal["2"] = _part("Version of the figure definitions.", "2")
    events_applied: dict[str, Annotated[int, Field(ge=0)]] = _part(
        "Events applied so far, per reporting consumer.", {"reporting-intake": 120}
    )
    first_event_time: str | None = _part(
        "Time of the first event applied (RFC 3339); null before any.", "2023-06-01T08:00:00Z"
    )
    last_event_time: str | None = _part(
        "Time of the last event applied (RFC 3339); null before any.", "2023-06-09T17:00:00Z"
    )
    sessions_covered: Sessions = _part("Sessions behind the report.", 1)
    closing_event_id: str | None = Field(
        default=None,
        description="Session summaries: the session.closed event they follow.",
        examples=["0f6c0e7e-2c1a-4f7e-9a53-6a3b2c1d0e9f"],
    )


class Figures(Part):
    """The figures of a report, definition_version 2."""

    model_config = ConfigDict(populate_by_name=True)

    definition_version: Literal["2"] = _part("Version of the figure definitions.", "2")
    sessions: SessionFigures = _part("Sessions of the scope starting in the period.", {})
    participants: ParticipantFigures = _part("People trained, with breakdowns.", {})
    enrolments: EnrolmentFigures = _part("Enrolments by state.", {})
    completion: CompletionFigures = _part("Completion decisions.", {})
    certificates: CertificateFigures = _part("Certificates of the scope's sessions.", {})
    trainers: TrainerFigures = _part("Trainers certified and what they led.", {})
    satisfaction: SatisfactionFigures = _part("Participants' evaluations.", {})
    knowledge_gain: KnowledgeGainFigures = _part("Pre- and post-test scores.", {})
    notifications: NotificationFigures = _part("Messages sent and failed.", {})
    provenance: Provenance = _part("Where the numbers come from.", {})


class LegacyFigures(RootModel[dict[str, Any]]):
    """Figures of definition_version 1: an open object (any version but 2)."""

    model_config = ConfigDict(
        json_schema_extra={
            "description": "Figures of definition_version 1 (open shape).",
            "properties": {"definition_version": {"not": {"const": DEFINITION_VERSION}}},
        }
    )

    root: dict[str, Any] = Field(
        description="Figures of definition_version 1 (open shape).",
        examples=[{"definition_version": "1", "participants": {"trained": 27}}],
    )

    @model_validator(mode="after")
    def _not_current(self) -> LegacyFigures:
        if self.root.get("definition_version") == DEFINITION_VERSION:
            raise ValueError(f"figures of definition_version {DEFINITION_VERSION} are closed")
        return self


def check_figures(value: Any) -> dict[str, Any]:
    """Validated figures as the plain dict the services read and write."""
    if isinstance(value, Figures):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return value.root if isinstance(value, LegacyFigures) else dict(value)
