"""Pure rules of reporting: the facts behind a report and the figures computed from them.

No I/O here. `store.count_facts` counts the facts of a scope and period in SQL (the one
counting path; `tests/reporting/oracle.py` re-counts them in Python to check it); the
functions below turn the counts into figures; `privacy.protect` then suppresses what could
identify people.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, get_args

from cohort_contracts.figures import DEFINITION_VERSION  # 2: breakdowns list every category
from cohort_contracts.values import OrganisationKind, Sex

RATINGS = ("relevance", "will_improve_performance", "methodology", "content_quality")
AGREE = 4  # 4 = agree, 5 = strongly agree
GAIN_BUCKETS = (
    ("below_0", None, 0),
    ("0_to_9", 0, 10),
    ("10_to_19", 10, 20),
    ("20_to_29", 20, 30),
    ("30_and_more", 30, None),
)
SCOPE_KINDS = ("country", "donor", "programme", "session")


class InvalidScope(ValueError):
    """A scope that is not `country:<ISO3>`, `donor:<name>` or `programme:<name>`."""


@dataclass(frozen=True)
class Scope:
    kind: str
    value: str

    @classmethod
    def parse(cls, text: str) -> Scope:
        kind, sep, value = text.partition(":")
        if not sep or kind not in SCOPE_KINDS or not value:
            raise InvalidScope("scope must be country:<ISO3>, donor:<name> or programme:<name>")
        if kind == "country":
            value = value.upper()
        return cls(kind, value)

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


@dataclass(frozen=True)
class SessionRow:
    session_id: str
    country: str
    programme: str
    training_of_trainers: bool
    mode: str
    start_date: date
    end_date: date
    audience: tuple[str, ...]
    donors: tuple[str, ...]
    facilitators: tuple[str, ...]
    cancelled: bool
    closed: bool


@dataclass
class PrivacyRules:
    """What `privacy.protect` needs to know about the figures.

    person_cells: counts of people (or of their enrolments, answers, messages).
    constraints: (total, parts) with total = sum(parts), known to any reader.
    derived: a figure computed from cells; hidden when any of them is hidden.
    """

    person_cells: list[str] = field(default_factory=list)
    constraints: list[tuple[str, list[str]]] = field(default_factory=list)
    derived: dict[str, list[str]] = field(default_factory=dict)


def _counts(values: Iterable[str]) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


@dataclass
class Counts:
    """What the figures are made of: counts (and means) per scope, before suppression.

    `store.count_facts` computes them in SQL.
    """

    sessions: list[SessionRow] = field(default_factory=list)
    trained: int = 0
    trained_by: dict[str, dict[str, int]] = field(default_factory=dict)  # attribute -> counts
    enrolments: dict[str, int] = field(default_factory=dict)  # flag -> count
    outcomes: dict[str, int] = field(default_factory=dict)  # outcome -> completions
    certificates_issued: int = 0
    certificates_revoked: int = 0
    trainers_certified: int = 0
    cascade_sessions: int = 0
    cascade_participants: int = 0
    respondents: int = 0
    agree: dict[str, int] = field(default_factory=dict)  # rating -> answers >= AGREE
    gain_people: int = 0
    mean_pre: float | None = None
    mean_post: float | None = None
    mean_gain: float | None = None
    distribution: dict[str, int] = field(default_factory=dict)
    notifications: dict[str, int] = field(default_factory=dict)  # sent / failed
    # Countries (nationality or residence) of the counted people enrolled in the scope's
    # sessions of the period, whatever became of them: the keys of the country breakdowns.
    countries: set[str] = field(default_factory=set)


UNKNOWN = "unknown"  # a person whose profile never arrived
ATTRIBUTES = ("sex", "organisation_kind", "nationality", "residence")
FLAGS = ("confirmed", "waitlisted", "rejected", "cancelled")
TRAINED = ("completed", "attended")

# Every breakdown of people lists the same keys whatever the people are, so that which keys
# exist says nothing about who was trained (a lone `female` key under a suppressed total
# once told that everyone trained was a woman). Sex and organisation kind have a fixed
# vocabulary; countries are those seen in the scope's period (see `Counts.countries`).
FIXED_CATEGORIES: dict[str, tuple[str, ...]] = {
    "sex": (*get_args(Sex), UNKNOWN),
    "organisation_kind": (*get_args(OrganisationKind), UNKNOWN),
}


def categories(attribute: str, countries: Iterable[str]) -> list[str]:
    """The keys of the breakdown of trained people by `attribute`."""
    if attribute in FIXED_CATEGORIES:
        return sorted(FIXED_CATEGORIES[attribute])
    return sorted({*countries, UNKNOWN})


def cascade(sessions: list[SessionRow], certified: set[str]) -> list[str]:
    """Sessions led by a certified trainer."""
    return [s.session_id for s in sessions if set(s.facilitators) & certified]


def _round(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def figures_from_counts(c: Counts) -> tuple[dict[str, Any], PrivacyRules]:
    """The figures of one report (before suppression) from its counts, and the rules to
    protect them."""
    rules = PrivacyRules()
    delivered = [s for s in c.sessions if s.closed and not s.cancelled]
    figures: dict[str, Any] = {
        "definition_version": DEFINITION_VERSION,
        "sessions": {
            "scheduled": len(c.sessions),
            "cancelled": sum(s.cancelled for s in c.sessions),
            "delivered": len(delivered),
            "by_mode": _counts(s.mode for s in delivered),
            "by_country": _counts(s.country for s in delivered),
            "by_programme": _counts(s.programme for s in delivered),
            "by_audience": _counts(a for s in delivered for a in s.audience),
        },
    }

    # Participants trained: unique people with outcome completed or attended.
    participants: dict[str, Any] = {"trained": c.trained}
    rules.person_cells.append("participants.trained")
    for name in ATTRIBUTES:
        key = f"by_{name}"
        seen = c.trained_by.get(name, {})
        keys = set(categories(name, c.countries)) | set(seen)  # never drop a counted person
        participants[key] = {k: seen.get(k, 0) for k in sorted(keys)}
        parts = [f"participants.{key}.{v}" for v in participants[key]]
        rules.person_cells.extend(parts)
        rules.constraints.append(("participants.trained", parts))
    figures["participants"] = participants

    figures["enrolments"] = {f: c.enrolments.get(f, 0) for f in FLAGS}
    rules.person_cells.extend(f"enrolments.{k}" for k in figures["enrolments"])

    decided = sum(c.outcomes.values())
    completed = c.outcomes.get("completed", 0)
    figures["completion"] = {
        "decided": decided,
        "completed": completed,
        "attended": c.outcomes.get("attended", 0),
        "not_completed": c.outcomes.get("not_completed", 0),
        "rate_percent": _pct(completed, decided),
    }
    parts = [f"completion.{k}" for k in ("completed", "attended", "not_completed")]
    rules.person_cells.extend(["completion.decided", *parts])
    rules.constraints.append(("completion.decided", parts))
    # Trained people and completed + attended enrolments are (nearly) the same number.
    rules.constraints.append(("participants.trained", parts[:2]))
    rules.derived["completion.rate_percent"] = ["completion.decided", "completion.completed"]

    figures["certificates"] = {
        "issued": c.certificates_issued,
        "revoked": c.certificates_revoked,
        "valid": c.certificates_issued - c.certificates_revoked,
    }
    rules.person_cells.extend(f"certificates.{k}" for k in figures["certificates"])
    rules.constraints.append(
        ("certificates.issued", ["certificates.revoked", "certificates.valid"])
    )

    figures["trainers"] = {
        "certified": c.trainers_certified,
        "cascade_sessions": c.cascade_sessions,
        "cascade_participants_trained": c.cascade_participants,
    }
    rules.person_cells.extend(["trainers.certified", "trainers.cascade_participants_trained"])

    agree = {r: c.agree.get(r, 0) for r in RATINGS}
    figures["satisfaction"] = {
        "respondents": c.respondents,
        "agree": agree,
        "agree_percent": {r: _pct(agree[r], c.respondents) for r in RATINGS},
    }
    rules.person_cells.append("satisfaction.respondents")
    for r in RATINGS:
        rules.person_cells.append(f"satisfaction.agree.{r}")
        rules.derived[f"satisfaction.agree_percent.{r}"] = [
            "satisfaction.respondents",
            f"satisfaction.agree.{r}",
        ]

    distribution = {name: c.distribution.get(name, 0) for name, _, _ in GAIN_BUCKETS}
    figures["knowledge_gain"] = {
        "participants": c.gain_people,
        "mean_pre": _round(c.mean_pre),
        "mean_post": _round(c.mean_post),
        "mean_gain": _round(c.mean_gain),
        "distribution": distribution,
    }
    rules.person_cells.append("knowledge_gain.participants")
    parts = [f"knowledge_gain.distribution.{name}" for name in distribution]
    rules.person_cells.extend(parts)
    rules.constraints.append(("knowledge_gain.participants", parts))
    for k in ("mean_pre", "mean_post", "mean_gain"):
        rules.derived[f"knowledge_gain.{k}"] = ["knowledge_gain.participants"]

    figures["notifications"] = {k: c.notifications.get(k, 0) for k in ("sent", "failed")}
    rules.person_cells.extend(["notifications.sent", "notifications.failed"])
    return figures, rules
