"""Reports: anonymised figures published per country, donor or programme."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .values import Country, Id, Text


class ReportScope(BaseModel):
    """Who the report is for: exactly one of `country`, `donor`, `programme`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    country: Country | None = Field(default=None, description="Partner country.", examples=["NER"])
    donor: Text | None = Field(default=None, description="Donor.", examples=["Netherlands"])
    programme: Text | None = Field(default=None, description="Programme.", examples=["EMM2.0"])

    @model_validator(mode="after")
    def _exactly_one(self) -> ReportScope:
        given = [v for v in (self.country, self.donor, self.programme) if v is not None]
        if len(given) != 1:
            raise ValueError("scope needs exactly one of country, donor, programme")
        return self


class Period(BaseModel):
    """An inclusive range of days."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: date = Field(description="First day.", examples=["2023-04-01"])
    end: date = Field(description="Last day, not before start.", examples=["2023-06-30"])

    @model_validator(mode="after")
    def _in_order(self) -> Period:
        if self.end < self.start:
            raise ValueError("period end is before start")
        return self


class ReportPublished(BaseModel):
    """`report.published.v1`: a report on `reports.<scope>.<value>.<kind>`.

    Attributes:
        figures: the numbers (see reporting); no names, e-mails, phones or participant ids.
        suppressed_cells: paths of cells in `figures` computed from fewer than 5 people.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    report_id: Id = Field(description="Report id.", examples=["cohort:r-ner-2023q2-sessions"])
    kind: Text = Field(description="Report kind.", examples=["quarterly", "session"])
    scope: ReportScope = Field(description="Scope.", examples=[{"country": "NER"}])
    period: Period = Field(
        description="Period covered.", examples=[{"start": "2023-04-01", "end": "2023-06-30"}]
    )
    figures: dict[str, Any] = Field(
        description="The figures.",
        examples=[{"participants_trained": 27, "by_sex": {"female": 11, "male": 16}}],
    )
    suppressed_cells: list[str] = Field(
        default_factory=list,
        description="Cells suppressed because fewer than 5 people stand behind them.",
        examples=[["by_sex.other"]],
    )
