"""SQL, the one counting path, gives the figures a plain Python re-count gives, over random
histories (hypothesis): a figure changed in one place and not the other fails here."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import get_args

import asyncpg
import pytest
from cohort_contracts.values import OrganisationKind, Sex
from cohort_reporting.domain import RATINGS, Scope, SessionRow, figures_from_counts
from cohort_reporting.store import (
    add_session_change,
    count_facts,
    forget_participant,
    refresh_session_sums,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.harness import AGAINST_SERVERS
from tests.reporting import oracle
from tests.reporting.oracle import (
    AssessmentRow,
    CertificateRow,
    CompletionRow,
    EnrolmentRow,
    EvaluationRow,
    Facts,
    NotificationRow,
    PersonRow,
    TrainerRow,
)

pytestmark = pytest.mark.integration

PEOPLE = [f"p{i}" for i in range(8)]
COUNTRIES = ("COM", "NER", "FRA")
FIRST = date(2023, 1, 1)
SCOPES = [
    Scope("country", "COM"),
    Scope("country", "NER"),
    Scope("donor", "d1"),
    Scope("programme", "A"),
    Scope("session", "s0"),
]
PERIODS = [(FIRST, date(2023, 12, 31)), (FIRST, date(2023, 1, 20))]

people = st.sampled_from(PEOPLE)
flag = st.booleans()


@st.composite
def sessions(draw: st.DrawFn) -> list[SessionRow]:
    rows = []
    for i in range(draw(st.integers(1, 4))):
        start = FIRST + timedelta(days=draw(st.integers(0, 40)))
        rows.append(
            SessionRow(
                session_id=f"s{i}",
                country=draw(st.sampled_from(COUNTRIES[:2])),
                programme=draw(st.sampled_from(("A", "B"))),
                training_of_trainers=draw(flag),
                mode=draw(st.sampled_from(("in_person", "online"))),
                start_date=start,
                end_date=start + timedelta(days=draw(st.integers(0, 4))),
                audience=tuple(draw(st.sets(st.sampled_from(("government", "academia"))))),
                donors=tuple(sorted(draw(st.sets(st.sampled_from(("d1", "d2")))))),
                facilitators=tuple(sorted(draw(st.sets(people, max_size=2)))),
                cancelled=draw(flag),
                closed=draw(flag),
            )
        )
    return rows


@st.composite
def histories(draw: st.DrawFn) -> Facts:
    """What the projections may hold: any rows, profiles missing or refusing statistics."""
    ss = draw(sessions())
    sid = st.sampled_from([s.session_id for s in ss])
    profiles = draw(st.sets(people))
    facts = Facts(sessions=ss)
    facts.people = [
        PersonRow(
            pid,
            draw(st.sampled_from(get_args(Sex))),
            draw(st.sampled_from(get_args(OrganisationKind))),
            draw(st.sampled_from(COUNTRIES)),
            draw(st.sampled_from(COUNTRIES)),
            draw(st.booleans()),
        )
        for pid in sorted(profiles)
    ]
    for i in range(draw(st.integers(0, 12))):
        pid = draw(st.one_of(st.none(), people))
        facts.enrolments.append(
            EnrolmentRow(f"e{i}", draw(sid), pid, *draw(st.tuples(*[flag] * 4)))
        )
        if pid is not None and draw(flag):
            outcome = draw(st.sampled_from(("completed", "attended", "not_completed")))
            facts.completions.append(CompletionRow(f"e{i}", draw(sid), pid, outcome))
    for (s, pid, kind), score in draw(
        st.dictionaries(
            st.tuples(sid, people, st.sampled_from(("pre", "post"))), st.integers(0, 100)
        )
    ).items():
        facts.assessments.append(AssessmentRow(s, pid, kind, float(score)))
    answers = st.lists(st.integers(1, 5), min_size=len(RATINGS), max_size=len(RATINGS))
    for (s, respondent), ratings in draw(st.dictionaries(st.tuples(sid, people), answers)).items():
        facts.evaluations.append(EvaluationRow(s, respondent, *ratings))
    for i in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(("participant", "trainer")))
        facts.certificates.append(
            CertificateRow(f"c{i}", draw(sid), draw(people), kind, draw(flag))
        )
    certificate_ids = [c.certificate_id for c in facts.certificates] + ["c-unseen"]
    for pid, programme in draw(st.sets(st.tuples(people, st.sampled_from(("A", "B"))))):
        facts.trainers.append(TrainerRow(pid, programme, draw(st.sampled_from(certificate_ids))))
    for (nid, status), pid in draw(
        st.dictionaries(
            st.tuples(st.sampled_from(("n1", "n2", "n3")), st.sampled_from(("sent", "failed"))),
            people,
        )
    ).items():
        facts.notifications.append(NotificationRow(nid, status, pid))
    return facts


@settings(AGAINST_SERVERS, max_examples=60)
@given(history=histories())
async def test_sql_and_a_python_recount_give_the_same_figures(
    projections: asyncpg.Connection, history: Facts
):
    await oracle.write_facts(projections, history)
    for scope in SCOPES:
        for start, end in PERIODS:
            sql = await count_facts(projections, scope, start, end)
            python = oracle.count_facts(await oracle.load_facts(projections, scope, start, end))
            assert figures_from_counts(sql) == figures_from_counts(python), (scope, start, end)


# --- the per-session sums kept by migration 090 -------------------------------------------

LATER = datetime(2024, 1, 1, tzinfo=UTC)


async def maintained_and_recounted(con: asyncpg.Connection) -> tuple[list, list]:
    """r_session_sums as kept by the marks, and as a recount from every fact from scratch."""
    query = "SELECT * FROM r_session_sums ORDER BY session_id"

    def rows(records: list) -> list:
        return [{k: v for k, v in r.items() if k != "refreshed_at"} for r in records]

    await refresh_session_sums(con, None)
    kept = rows(await con.fetch(query))
    await con.execute("DELETE FROM r_session_sums")
    await con.execute(
        """INSERT INTO r_session_dirty
           SELECT session_id FROM r_enrolment WHERE session_id IS NOT NULL
           UNION SELECT session_id FROM r_completion UNION SELECT session_id FROM r_assessment
           UNION SELECT session_id FROM r_evaluation UNION SELECT session_id FROM r_certificate"""
    )
    await refresh_session_sums(con, None)
    return kept, rows(await con.fetch(query))


def split(draw: st.DrawFn, rows: list) -> tuple[list, list]:
    late = [draw(flag) for _ in rows]
    return [r for r, x in zip(rows, late, strict=True) if not x], [
        r for r, x in zip(rows, late, strict=True) if x
    ]


async def write_late(con: asyncpg.Connection, late: Facts, revoke_first: bool) -> None:
    """Facts arriving after a report was counted, revocations possibly before their
    certificate (as the consumers may apply them)."""
    revoked = [(c.certificate_id, oracle.AT) for c in late.certificates if c.revoked]
    if revoke_first:
        await con.executemany("INSERT INTO r_revocation VALUES ($1, $2)", revoked)
    for table, rows, columns in (
        (
            "r_enrolment",
            late.enrolments,
            "enrolment_id, session_id, participant_id, confirmed, waitlisted, rejected, cancelled",
        ),
        (
            "r_completion",
            late.completions,
            "enrolment_id, session_id, participant_id, outcome, attendance_ratio",
        ),
        ("r_assessment", late.assessments, "session_id, participant_id, kind, at, score"),
        (
            "r_evaluation",
            late.evaluations,
            "session_id, respondent, at, relevance, "
            "will_improve_performance, methodology, content_quality",
        ),
        (
            "r_certificate",
            late.certificates,
            "certificate_id, session_id, participant_id, kind, issued_at",
        ),
    ):
        await oracle.insert_rows(con, table, rows, columns)
    if not revoke_first:
        await con.executemany("INSERT INTO r_revocation VALUES ($1, $2)", revoked)


@settings(AGAINST_SERVERS, max_examples=40)
@given(history=histories(), data=st.data())
async def test_sums_kept_across_changes_equal_a_recount_and_the_python_figures(
    projections: asyncpg.Connection, history: Facts, data: st.DataObject
):
    """Counted once, then: late facts in any order, consent refused or given back, people
    erased, sessions moved to another month; the kept sums equal a recount from scratch and
    every figure equals the Python recount."""
    early, late = Facts(sessions=history.sessions, people=history.people), Facts()
    for name in ("enrolments", "completions", "assessments", "evaluations", "certificates"):
        first, second = split(data.draw, getattr(history, name))
        setattr(early, name, first)
        setattr(late, name, second)
    early.trainers, early.notifications = history.trainers, history.notifications
    await oracle.write_facts(projections, early)
    for scope in SCOPES:
        await count_facts(projections, scope, *PERIODS[0])  # sums counted and kept
    await write_late(projections, late, data.draw(flag))
    for pid in data.draw(st.sets(people)):  # consent flipped (a profile or none)
        await projections.execute(
            "UPDATE r_participant SET statistics = NOT statistics WHERE participant_id = $1", pid
        )
    for pid in data.draw(st.sets(people, max_size=3)):
        await forget_participant(projections, pid, LATER)
    for s in data.draw(st.sets(st.sampled_from(history.sessions), max_size=2)):
        moved = s.start_date + timedelta(days=data.draw(st.integers(-20, 60)))
        await add_session_change(
            projections, f"ch-{s.session_id}", s.session_id, LATER, moved, None, None
        )
    for scope in SCOPES:
        for start, end in PERIODS:
            sql = await count_facts(projections, scope, start, end)
            python = oracle.count_facts(await oracle.load_facts(projections, scope, start, end))
            assert figures_from_counts(sql) == figures_from_counts(python), (scope, start, end)
    kept, recounted = await maintained_and_recounted(projections)
    assert kept == recounted
