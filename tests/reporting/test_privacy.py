"""Disclosure control on figures computed from hand-made facts (no I/O)."""

from __future__ import annotations

from datetime import date

import pytest
from cohort_reporting.domain import (
    CompletionRow,
    Facts,
    PersonRow,
    PrivacyRules,
    SessionRow,
    compute_figures,
)
from cohort_reporting.privacy import protect, suppressed_paths

from tests.reporting.attacker import recover

pytestmark = pytest.mark.unit

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


def test_a_cell_of_fewer_than_five_people_is_suppressed_with_the_next_smallest():
    figures, suppressed = protect(
        *compute_figures(facts({"female": 17, "male": 12, "undisclosed": 1}))
    )
    assert figures["participants"]["trained"] == 30
    assert figures["participants"]["by_sex"] == {"female": 17, "male": None, "undisclosed": None}
    assert "participants.by_sex.undisclosed" in suppressed
    assert "participants.by_sex.male" in suppressed


def test_no_suppressed_cell_can_be_recovered_from_the_published_numbers():
    figures, suppressed = protect(*compute_figures(facts({"female": 20, "male": 9, "other": 2})))
    assert suppressed
    assert recover(figures) == {}


def test_the_attacker_does_recover_a_cell_hidden_by_primary_suppression_alone():
    raw, rules = compute_figures(facts({"female": 20, "male": 9, "other": 2}))
    primary_only = PrivacyRules(person_cells=rules.person_cells)  # no secondary rules
    hidden = suppressed_paths(raw, primary_only)
    figures = {
        **raw,
        "participants": {**raw["participants"], "by_sex": {"female": 20, "male": 9, "other": None}},
    }
    assert "participants.by_sex.other" in hidden
    assert recover(figures)[("participants", "by_sex", "other")] == 2


def test_a_total_below_five_hides_every_part():
    figures, suppressed = protect(*compute_figures(facts({"female": 2, "male": 1})))
    assert figures["participants"]["trained"] is None
    assert figures["participants"]["by_sex"] == {"female": None, "male": None}
    assert figures["completion"]["rate_percent"] is None
    assert "participants.trained" in suppressed
    assert recover(figures) == {}


def test_people_who_refused_statistics_are_not_counted():
    figures, _ = protect(*compute_figures(facts({"female": 10, "male": 10}, stats_refused=3)))
    assert figures["participants"]["trained"] == 20
    assert "other" not in figures["participants"]["by_sex"]
    assert "FRA" not in figures["participants"]["by_nationality"]


def test_a_zero_is_not_chosen_to_protect_a_suppressed_cell():
    figures, suppressed = protect(*compute_figures(facts({"female": 25, "male": 3})))
    # Completion: decided 28 = completed 28 + attended 0 + not_completed 0: nothing hidden.
    assert figures["participants"]["by_sex"] == {"female": None, "male": None}
    assert {"participants.by_sex.female", "participants.by_sex.male"} <= set(suppressed)
    assert "completion.attended" not in suppressed
    assert recover(figures) == {}
