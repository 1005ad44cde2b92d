"""The test oracle of reporting's counts: the same figures, counted in Python.

Production counts only in SQL (`store.count_facts`). This module keeps a second, plain
reading of the figure definitions so that a property test (`test_counting.py`) can check
that both agree over random histories: a figure changed in one place and not the other
fails there. It also writes hand-made facts into the projection tables, so tests state
their cases as rows and have them counted by the production path.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from statistics import fmean

import asyncpg
from cohort_reporting.domain import (
    AGREE,
    ATTRIBUTES,
    FLAGS,
    GAIN_BUCKETS,
    RATINGS,
    TRAINED,
    Counts,
    Scope,
    SessionRow,
    cascade,
)
from cohort_reporting.store import PROJECTION_TABLES, load_sessions

AT = datetime(2023, 1, 1, tzinfo=UTC)  # the time of every hand-made row (counts ignore it)


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
    certificate_id: str  # a certificate of `certificates`, or one the projections never saw


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


def count_facts(facts: Facts) -> Counts:
    """The counts behind a report, from the facts of its scope and period (pure)."""
    sessions = {s.session_id for s in facts.sessions}
    people = {p.participant_id: p for p in facts.people}
    # People who refused statistics are left out of every count about people.
    out = {p.participant_id for p in facts.people if not p.statistics}

    def counted(pid: str | None) -> bool:
        return pid is None or pid not in out

    def attr(pid: str, name: str) -> str:
        p = people.get(pid)
        return str(getattr(p, name)) if p else "unknown"

    enrolments = [e for e in facts.enrolments if counted(e.participant_id)]
    completions = [c for c in facts.completions if counted(c.participant_id)]
    trained_ids = sorted({c.participant_id for c in completions if c.outcome in TRAINED})
    certificates = [c for c in facts.certificates if counted(c.participant_id)]
    certified = {t.trainer_id for t in facts.trainers if counted(t.trainer_id)}
    # A trainer is in scope when the certificate that made them one is of a scope's session.
    scope_certificates = {c.certificate_id for c in facts.certificates if c.session_id in sessions}
    in_scope = {t.trainer_id for t in facts.trainers if t.certificate_id in scope_certificates}
    led = set(cascade(facts.sessions, certified))
    cascade_people = {
        c.participant_id for c in completions if c.session_id in led and c.outcome in TRAINED
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
        trained_by={
            a: dict(sorted(Counter(attr(pid, a) for pid in trained_ids).items()))
            for a in ATTRIBUTES
        },
        enrolments={f: sum(getattr(e, f) for e in enrolments) for f in FLAGS},
        outcomes=dict(Counter(c.outcome for c in completions)),
        certificates_issued=len(certificates),
        certificates_revoked=sum(c.revoked for c in certificates),
        trainers_certified=len({t for t in in_scope if counted(t)}),
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


async def load_facts(con: asyncpg.Connection, scope: Scope, start: date, end: date) -> Facts:
    """The facts behind a report for `scope` over sessions starting in [start, end]: the
    scope's sessions and what hangs on them; people, trainers and notifications of anyone."""
    sessions = await load_sessions(con, scope, start, end)
    ids = [s.session_id for s in sessions]

    async def rows(cls: type, sql: str, *args: object) -> list:
        return [cls(**dict(r)) for r in await con.fetch(sql, *args)]

    in_sessions = "WHERE session_id = any($1::text[])"
    return Facts(
        sessions=sessions,
        people=await rows(
            PersonRow,
            """SELECT participant_id, sex, organisation_kind, nationality, residence, statistics
               FROM r_participant""",
        ),
        enrolments=await rows(
            EnrolmentRow,
            """SELECT enrolment_id, session_id, participant_id, confirmed, waitlisted, rejected,
                 cancelled FROM r_enrolment """
            + in_sessions,
            ids,
        ),
        completions=await rows(
            CompletionRow,
            "SELECT enrolment_id, session_id, participant_id, outcome FROM r_completion "
            + in_sessions,
            ids,
        ),
        assessments=await rows(
            AssessmentRow,
            "SELECT session_id, participant_id, kind, score FROM r_assessment " + in_sessions,
            ids,
        ),
        evaluations=await rows(
            EvaluationRow,
            """SELECT session_id, respondent, relevance, will_improve_performance, methodology,
                 content_quality FROM r_evaluation """
            + in_sessions,
            ids,
        ),
        certificates=await rows(
            CertificateRow,
            """SELECT c.certificate_id, c.session_id, c.participant_id, c.kind,
                 (r.certificate_id IS NOT NULL) AS revoked
               FROM r_certificate c LEFT JOIN r_revocation r USING (certificate_id)
               WHERE c.session_id = any($1::text[])""",
            ids,
        ),
        trainers=await rows(
            TrainerRow, "SELECT trainer_id, programme, certificate_id FROM r_trainer"
        ),
        notifications=await rows(
            NotificationRow,
            """SELECT notification_id, status, recipient FROM r_notification
               WHERE recipient IN (SELECT participant_id FROM r_enrolment """
            + in_sessions
            + ")",
            ids,
        ),
    )


async def write_facts(con: asyncpg.Connection, facts: Facts) -> None:
    """Replace the projections by exactly these facts (as the consumers would store them)."""
    for table in PROJECTION_TABLES:
        await con.execute(f"TRUNCATE {table}")  # names from the constant, never input
    for s in facts.sessions:
        course = f"{s.programme}|{s.training_of_trainers}"
        await con.execute(
            "INSERT INTO r_course VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            course,
            s.programme,
            s.training_of_trainers,
        )
        await con.execute(
            "INSERT INTO r_session VALUES ($1, 'acme', $2, $3, $4, $5, $6, $7, $8, $9)",
            s.session_id,
            course,
            s.country,
            s.mode,
            s.start_date,
            s.end_date,
            list(s.audience),
            list(s.donors),
            list(s.facilitators),
        )
        await con.execute(
            "INSERT INTO r_session_state VALUES ($1, $2, $3, NULL)",
            s.session_id,
            AT if s.cancelled else None,
            AT if s.closed else None,
        )
    await insert_rows(
        con,
        "r_participant",
        facts.people,
        "participant_id, at, sex, organisation_kind, nationality, residence, statistics",
    )
    await insert_rows(
        con,
        "r_enrolment",
        facts.enrolments,
        "enrolment_id, session_id, participant_id, confirmed, waitlisted, rejected, cancelled",
    )
    await insert_rows(
        con,
        "r_completion",
        facts.completions,
        "enrolment_id, session_id, participant_id, outcome, attendance_ratio",
    )
    await insert_rows(
        con, "r_assessment", facts.assessments, "session_id, participant_id, kind, at, score"
    )
    await insert_rows(
        con,
        "r_evaluation",
        facts.evaluations,
        "session_id, respondent, at, "
        "relevance, will_improve_performance, methodology, content_quality",
    )
    await insert_rows(
        con,
        "r_certificate",
        facts.certificates,
        "certificate_id, session_id, participant_id, kind, issued_at",
    )
    revoked = [(c.certificate_id, AT) for c in facts.certificates if c.revoked]
    await con.executemany("INSERT INTO r_revocation VALUES ($1, $2)", revoked)
    await insert_rows(con, "r_trainer", facts.trainers, "trainer_id, programme, certificate_id")
    await insert_rows(
        con, "r_notification", facts.notifications, "notification_id, status, recipient, at"
    )


async def insert_rows(con: asyncpg.Connection, table: str, rows: list, columns: str) -> None:
    """Insert dataclass rows; `at`, `issued_at` and `attendance_ratio` are filled in."""
    names = [c.strip() for c in columns.split(",")]
    filler = {"at": AT, "issued_at": AT, "attendance_ratio": 1.0}
    values = [tuple(filler[n] if n in filler else getattr(r, n) for n in names) for r in rows]
    marks = ", ".join(f"${i}" for i in range(1, len(names) + 1))
    await con.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)
