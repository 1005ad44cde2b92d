"""Pure rules of reporting: the facts behind a report and the figures computed from them.

No I/O here. `store.load_facts` selects the facts for a scope and period with SQL; the
functions below count them; `privacy.protect` then suppresses what could identify people.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from statistics import fmean
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


@dataclass(frozen=True)
class PersonRow:
    participant_id: str
    sex: str
    organisation_kind: str
    nationality: str
    residence: str
    statistics: bool


@dataclass(frozen=True)
class EnrolmentRow:
    enrolment_id: str
    session_id: str | None
    participant_id: str | None
    confirmed: bool
    waitlisted: bool
    rejected: bool
    cancelled: bool


@dataclass(frozen=True)
class CompletionRow:
    enrolment_id: str
    session_id: str
    participant_id: str
    outcome: str


@dataclass(frozen=True)
class AssessmentRow:
    session_id: str
    participant_id: str
    kind: str
    score: float


@dataclass(frozen=True)
class EvaluationRow:
    session_id: str
    respondent: str
    relevance: int
    will_improve_performance: int
    methodology: int
    content_quality: int


@dataclass(frozen=True)
class CertificateRow:
    certificate_id: str
    session_id: str
    participant_id: str
    kind: str
    revoked: bool


@dataclass(frozen=True)
class TrainerRow:
    trainer_id: str
    programme: str
    session_id: str | None  # session of the trainer certificate (the ToT), when known


@dataclass(frozen=True)
class NotificationRow:
    notification_id: str
    status: str
    recipient: str


@dataclass
class Facts:
    sessions: list[SessionRow] = field(default_factory=list)
    people: list[PersonRow] = field(default_factory=list)
    enrolments: list[EnrolmentRow] = field(default_factory=list)
    completions: list[CompletionRow] = field(default_factory=list)
    assessments: list[AssessmentRow] = field(default_factory=list)
    evaluations: list[EvaluationRow] = field(default_factory=list)
    certificates: list[CertificateRow] = field(default_factory=list)
    trainers: list[TrainerRow] = field(default_factory=list)
    notifications: list[NotificationRow] = field(default_factory=list)


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

    `count_facts` computes them from facts in Python (the reference, used by unit tests);
    `store.count_facts` computes the same in SQL for large scopes.
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


def count_facts(facts: Facts) -> Counts:
    """The counts behind a report, from its facts (pure)."""
    sessions = {s.session_id: s for s in facts.sessions}
    people = {p.participant_id: p for p in facts.people}
    # People who refused statistics are left out of every count about people.
    out = {p.participant_id for p in facts.people if not p.statistics}

    def counted(pid: str | None) -> bool:
        return pid is None or pid not in out

    trained_ids = sorted(
        {
            c.participant_id
            for c in facts.completions
            if c.outcome in TRAINED and counted(c.participant_id)
        }
    )

    def attr(pid: str, name: str) -> str:
        p = people.get(pid)
        return str(getattr(p, name)) if p else "unknown"

    enrolments = [e for e in facts.enrolments if counted(e.participant_id)]
    completions = [c for c in facts.completions if counted(c.participant_id)]
    certificates = [c for c in facts.certificates if counted(c.participant_id)]
    certified = {t.trainer_id for t in facts.trainers if counted(t.trainer_id)}
    in_scope = {
        t.trainer_id for t in facts.trainers if t.session_id in sessions and counted(t.trainer_id)
    }
    led = set(cascade(facts.sessions, certified))
    cascade_people = {
        c.participant_id
        for c in facts.completions
        if c.session_id in led and c.outcome in TRAINED and counted(c.participant_id)
    }
    evaluations = [e for e in facts.evaluations if counted(e.respondent)]
    scores: dict[tuple[str, str], dict[str, float]] = {}
    for a in facts.assessments:
        if counted(a.participant_id):
            scores.setdefault((a.session_id, a.participant_id), {})[a.kind] = a.score
    pairs = [(v["pre"], v["post"]) for v in scores.values() if "pre" in v and "post" in v]
    gains = [post - pre for pre, post in pairs]
    notifications = [n for n in facts.notifications if counted(n.recipient)]
    return Counts(
        sessions=list(facts.sessions),
        trained=len(trained_ids),
        trained_by={a: _counts(attr(pid, a) for pid in trained_ids) for a in ATTRIBUTES},
        enrolments={f: sum(getattr(e, f) for e in enrolments) for f in FLAGS},
        outcomes=dict(Counter(c.outcome for c in completions)),
        certificates_issued=len(certificates),
        certificates_revoked=sum(c.revoked for c in certificates),
        trainers_certified=len(in_scope),
        cascade_sessions=len(led),
        cascade_participants=len(cascade_people),
        respondents=len(evaluations),
        agree={r: sum(getattr(e, r) >= AGREE for e in evaluations) for r in RATINGS},
        gain_people=len(pairs),
        mean_pre=fmean([p for p, _ in pairs]) if pairs else None,
        mean_post=fmean([q for _, q in pairs]) if pairs else None,
        mean_gain=fmean(gains) if gains else None,
        distribution={
            name: sum((lo is None or g >= lo) and (hi is None or g < hi) for g in gains)
            for name, lo, hi in GAIN_BUCKETS
        },
        notifications={k: sum(n.status == k for n in notifications) for k in ("sent", "failed")},
        countries={
            getattr(people[pid], a)
            for pid in {e.participant_id for e in enrolments}
            | {c.participant_id for c in completions}
            if pid in people
            for a in ("nationality", "residence")
        },
    )


def compute_figures(facts: Facts) -> tuple[dict[str, Any], PrivacyRules]:
    """The figures of one report (before suppression) and the rules to protect them."""
    return figures_from_counts(count_facts(facts))


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
