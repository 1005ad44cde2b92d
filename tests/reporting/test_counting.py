"""SQL, the one counting path, gives the figures a plain Python re-count gives, over random
histories (hypothesis): a figure changed in one place and not the other fails here."""

from __future__ import annotations

from datetime import date, timedelta
from typing import get_args

import asyncpg
import pytest
from cohort_contracts.values import OrganisationKind, Sex
from cohort_reporting.domain import RATINGS, Scope, SessionRow, figures_from_counts
from cohort_reporting.store import count_facts
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
