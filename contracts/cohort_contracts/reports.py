"""Reports: anonymised figures published per country, donor or programme.

A report travels on `reports.<scope>.<token>.<kind>`: `<scope>` is `country`, `donor` or
`programme`, `<token>` is the scope's value as one subject token (`subject_token`) and
`<kind>` one of `REPORT_KINDS`. The figures are described in `figures.py`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args

from pydantic import Field, PlainSerializer, model_validator

from .base import Part, Payload, broken_rule, ensure_in_order
from .figures import Figures, LegacyFigures, check_figures
from .values import Country, Id, Text

ReportKind = Literal["session_summary", "monthly", "quarterly", "on_demand"]
REPORT_KINDS: tuple[str, ...] = get_args(ReportKind)
KIND_DESCRIPTION = (
    "Report kind: `session_summary` (one session, after it closed), `monthly`, `quarterly` "
    "(calendar periods, once an event dated after the period was applied), `on_demand` "
    "(asked over HTTP; not published on NATS)."
)
SCOPE_KINDS = ("country", "donor", "programme")
TOKEN_RULE = (
    "The scope value as one NATS subject token: every run of characters other than "
    "A-Z, a-z, 0-9, `_` and `-` becomes one `_`, leading and trailing `_` are dropped "
    "(`EMM2.0` -> `EMM2_0`, `European Union` -> `European_Union`); ISO3 countries are unchanged. "
    "The payload keeps the real value."
)
TOKEN_PATTERN = r"^[A-Za-z0-9_-]+$"
_NOT_TOKEN = re.compile(r"[^A-Za-z0-9_-]+")


def subject_token(value: str) -> str:
    """A scope value as one NATS subject token (see `TOKEN_RULE`)."""
    return _NOT_TOKEN.sub("_", value).strip("_") or "_"


def report_subject(scope_kind: str, value: str, kind: str) -> str:
    """`reports.<scope>.<token>.<kind>`: where a report of this scope and kind is published."""
    if scope_kind not in SCOPE_KINDS:
        raise ValueError(f"scope kind must be one of {SCOPE_KINDS}")
    return f"reports.{scope_kind}.{subject_token(value)}.{kind}"


class ReportScope(Part):
    """Who the report is for: exactly one of `country`, `donor`, `programme`."""

    country: Country | None = Field(default=None, description="Partner country.", examples=["NER"])
    donor: Text | None = Field(default=None, description="Donor.", examples=["Netherlands"])
    programme: Text | None = Field(default=None, description="Programme.", examples=["EMM2.0"])

    @model_validator(mode="after")
    def _exactly_one(self) -> ReportScope:
        given = [v for v in (self.country, self.donor, self.programme) if v is not None]
        if len(given) != 1:
            raise broken_rule("scope needs exactly one of country, donor, programme")
        return self


class Period(Part):
    """An inclusive range of days."""

    start: date = Field(description="First day.", examples=["2023-04-01"])
    end: date = Field(description="Last day, not before start.", examples=["2023-06-30"])

    @model_validator(mode="after")
    def _in_order(self) -> Period:
        ensure_in_order(self.start, self.end, "period end is before start")
        return self


class ReportPublished(Payload):
    """`report.published.v1`: a report on `reports.<scope>.<value>.<kind>`.

    Attributes:
        figures: the numbers (see reporting); no names, e-mails, phones or participant ids.
        suppressed_cells: paths of cells in `figures` computed from fewer than 5 people.
    """

    report_id: Id = Field(description="Report id.", examples=["cohort:r-ner-2023q2-sessions"])
    kind: Text = Field(
        description=KIND_DESCRIPTION,
        examples=["quarterly", "session_summary"],
        json_schema_extra={"x-cohort-kinds": list(REPORT_KINDS)},
    )
    scope: ReportScope = Field(description="Scope.", examples=[{"country": "NER"}])
    period: Period = Field(
        description="Period covered.", examples=[{"start": "2023-04-01", "end": "2023-06-30"}]
    )
    if TYPE_CHECKING:  # services read and write figures as a plain dict
        figures: dict[str, Any]
    else:
        figures: Annotated[
            Figures | LegacyFigures,
            Field(union_mode="left_to_right"),
            PlainSerializer(lambda v: v, return_type=dict[str, Any]),
        ] = Field(
            description="The figures (see `Figures`); version 1 reports carry an open object.",
            examples=[{"definition_version": "2", "participants": {"trained": 27}}],
        )
    suppressed_cells: list[str] = Field(
        default_factory=list,
        description="Cells suppressed because fewer than 5 people stand behind them.",
        examples=[["participants.by_sex.other"]],
    )

    @model_validator(mode="after")
    def _plain_figures(self) -> ReportPublished:
        # Services read and write figures as a plain dict; the models only validate it.
        object.__setattr__(self, "figures", check_figures(self.figures))
        return self
