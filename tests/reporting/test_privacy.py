"""Disclosure control on figures counted by PostgreSQL from hand-made facts."""

from __future__ import annotations

import itertools
from datetime import date
from typing import get_args

import asyncpg
import pytest
from cohort_contracts.values import OrganisationKind
from cohort_reporting.domain import PrivacyRules, Scope, SessionRow, figures_from_counts
from cohort_reporting.privacy import protect, suppressed_paths
from cohort_reporting.store import count_facts

from tests.reporting.attacker import disclosures, key_sets, pattern, recover
from tests.reporting.oracle import CompletionRow, EnrolmentRow, Facts, PersonRow, write_facts

pytestmark = pytest.mark.integration

S_PERIOD = (date(2023, 1, 1), date(2023, 12, 31))
S = SessionRow(
    "s1",
    "COM",
    "EMM2.0",
    False,
    "in_person",
    date(2023, 6, 5),
    date(2023, 6, 9),
    ("government",),
    (),
    (),
    False,
    True,
)


def facts(sexes: dict[str, int], stats_refused: int = 0) -> Facts:
    people, completions = [], []
    i = 0
    for sex, n in sexes.items():
        for _ in range(n):
            i += 1
            pid = f"p{i}"
            people.append(PersonRow(pid, sex, "government", "COM", "COM", True))
            completions.append(CompletionRow(f"e{i}", "s1", pid, "completed"))
    for j in range(stats_refused):
        pid = f"r{j}"
        people.append(PersonRow(pid, "other", "academia", "FRA", "FRA", False))
        completions.append(CompletionRow(f"er{j}", "s1", pid, "completed"))
    return Facts(sessions=[S], people=people, completions=completions)


async def compute_figures(con: asyncpg.Connection, facts: Facts) -> tuple[dict, PrivacyRules]:
    """The figures of session s1 as production counts them, from exactly these facts."""
    await write_facts(con, facts)
    return figures_from_counts(await count_facts(con, Scope("session", "s1"), *S_PERIOD))


async def test_a_cell_of_fewer_than_five_people_is_suppressed_with_the_next_smallest(projections):
    figures, suppressed = protect(
        *await compute_figures(projections, facts({"female": 17, "male": 12, "undisclosed": 1}))
    )
    assert figures["participants"]["trained"] == 30
    assert figures["participants"]["by_sex"] == {
        "female": 17,
        "male": None,
        "other": 0,
        "undisclosed": None,
        "unknown": 0,
    }
    assert "participants.by_sex.undisclosed" in suppressed
    assert "participants.by_sex.male" in suppressed


async def test_no_suppressed_cell_can_be_recovered_from_the_published_numbers(projections):
    figures, suppressed = protect(
        *await compute_figures(projections, facts({"female": 20, "male": 9, "other": 2}))
    )
    assert suppressed
    assert recover(figures) == {}


async def test_the_attacker_does_recover_a_cell_hidden_by_primary_suppression_alone(projections):
    raw, rules = await compute_figures(projections, facts({"female": 20, "male": 9, "other": 2}))
    primary_only = PrivacyRules(person_cells=rules.person_cells)  # no secondary rules
    hidden = suppressed_paths(raw, primary_only)
    figures = {
        **raw,
        "participants": {**raw["participants"], "by_sex": {"female": 20, "male": 9, "other": None}},
    }
    assert "participants.by_sex.other" in hidden
    assert recover(figures)[("participants", "by_sex", "other")] == 2


async def test_a_total_below_five_hides_every_part(projections):
    figures, suppressed = protect(
        *await compute_figures(projections, facts({"female": 2, "male": 1}))
    )
    assert figures["participants"]["trained"] is None
    assert set(figures["participants"]["by_sex"].values()) == {None}
    assert figures["completion"]["rate_percent"] is None
    assert "participants.trained" in suppressed
    assert recover(figures) == {}


async def test_people_who_refused_statistics_are_not_counted(projections):
    figures, _ = protect(
        *await compute_figures(projections, facts({"female": 10, "male": 10}, stats_refused=3))
    )
    assert figures["participants"]["trained"] == 20
    assert figures["participants"]["by_sex"]["other"] == 0
    assert "FRA" not in figures["participants"]["by_nationality"]


async def test_a_zero_is_not_chosen_to_protect_a_suppressed_cell(projections):
    figures, suppressed = protect(
        *await compute_figures(projections, facts({"female": 25, "male": 3}))
    )
    # Completion: decided 28 = completed 28 + attended 0 + not_completed 0: nothing hidden.
    assert figures["participants"]["by_sex"]["female"] is None
    assert figures["participants"]["by_sex"]["male"] is None
    assert {"participants.by_sex.female", "participants.by_sex.male"} <= set(suppressed)
    assert "completion.attended" not in suppressed
    assert recover(figures) == {}


async def test_every_breakdown_lists_every_category_even_when_nobody_is_in_it(projections):
    figures, _ = protect(*await compute_figures(projections, facts({"female": 30})))
    p = figures["participants"]
    assert p["by_sex"] == {"female": 30, "male": 0, "other": 0, "undisclosed": 0, "unknown": 0}
    assert set(p["by_organisation_kind"]) == {*get_args(OrganisationKind), "unknown"}
    assert p["by_nationality"] == {"COM": 30, "unknown": 0}


async def test_two_women_trained_in_niger_leave_no_trace_in_keys_or_suppression_pattern(
    projections,
):
    figures, _ = protect(*await compute_figures(projections, facts({"female": 2})))
    assert figures["participants"]["trained"] is None
    assert set(figures["participants"]["by_sex"].values()) == {None}
    assert disclosures(figures) == []
    assert recover(figures) == {}


async def test_suppressed_parts_that_add_up_to_fewer_than_five_are_hidden_with_another(projections):
    figures, _ = protect(
        *await compute_figures(projections, facts({"female": 26, "male": 3, "other": 1}))
    )
    assert figures["participants"]["by_sex"]["female"] is None
    assert disclosures(figures) == []
    assert recover(figures) == {}


async def test_the_attacker_reads_a_lone_key_under_a_suppressed_total(projections):
    # The shape reports had before every category was listed (issue 15).
    raw, _ = await compute_figures(projections, facts({"female": 2}))
    old = {**raw, "participants": {**raw["participants"], "trained": None}}
    old["participants"]["by_sex"] = {"female": None}
    assert "every person trained has by_sex = female" in disclosures(old)


PEOPLE = [  # who asked to join one Niger session: (sex, organisation kind, nationality)
    ("female", "government", "NER"),
    ("female", "government", "NER"),
    ("female", "civil_society", "NER"),
    ("male", "civil_society", "NER"),
    ("male", "academia", "MLI"),
    ("other", "government", "NER"),
]


def niger(trained: tuple[int, ...]) -> Facts:
    people = [
        PersonRow(f"p{i}", sex, kind, nat, nat, True) for i, (sex, kind, nat) in enumerate(PEOPLE)
    ]
    enrolments = [
        EnrolmentRow(f"e{i}", "s1", f"p{i}", True, False, False, False) for i in range(len(PEOPLE))
    ]
    completions = [
        CompletionRow(f"e{i}", "s1", f"p{i}", "completed" if i in trained else "not_completed")
        for i in range(len(PEOPLE))
    ]
    return Facts(sessions=[S], people=people, enrolments=enrolments, completions=completions)


async def test_whichever_two_people_were_trained_the_report_is_the_same(projections):
    """The attacker sees the same keys, numbers and suppression pattern whoever the two are:
    nothing but the published numbers (six enrolled, two trained or fewer than five) is said."""
    reports = []
    for i, j in itertools.combinations(range(len(PEOPLE)), 2):
        figures, suppressed = protect(*await compute_figures(projections, niger((i, j))))
        assert disclosures(figures) == [] and recover(figures) == {}
        reports.append((figures, suppressed, key_sets(figures), pattern(figures)))
    assert all(r == reports[0] for r in reports)
    assert key_sets(reports[0][0])["by_nationality"] == ("MLI", "NER", "unknown")
