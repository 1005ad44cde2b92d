"""The enrolment rules alone: seat decisions, waitlist moves, the completion table."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest
from cohort_enrolment import domain
from cohort_enrolment.domain import Attendance, CompletionRule, Occupancy, SessionFacts

pytestmark = pytest.mark.unit

CLOSES = datetime(2023, 5, 29, 17, 0, tzinfo=UTC)
BEFORE = CLOSES - timedelta(days=1)


def facts(**over: object) -> SessionFacts:
    values: dict[str, object] = {
        "session_id": "iom:s",
        "agency": "iom",
        "course_id": "iom:c",
        "start_date": date(2023, 6, 5),
        "end_date": date(2023, 6, 9),
        "capacity": 2,
        "waitlist_capacity": 1,
        "enrolment_closes_at": CLOSES,
        "status": "scheduled",
        "nomination_quotas": {"Ministry": 1},
    }
    values.update(over)
    return SessionFacts(**values)  # type: ignore[arg-type]


def occ(
    confirmed: int = 0, waitlisted: int = 0, live: bool = False, nominated: int = 0
) -> Occupancy:
    return Occupancy(confirmed, waitlisted, live, nominated)


@pytest.mark.parametrize(
    ("session", "occupancy", "when", "nominator", "expected"),
    [
        (facts(), occ(), BEFORE, None, ("confirm", None)),
        (facts(), occ(confirmed=1), BEFORE, None, ("confirm", None)),
        (facts(), occ(confirmed=2), BEFORE, None, ("waitlist", None)),
        (facts(), occ(confirmed=2, waitlisted=1), BEFORE, None, ("reject", "session_full")),
        (facts(), occ(), CLOSES, None, ("confirm", None)),  # closing moment is inclusive
        (facts(), occ(), CLOSES + timedelta(seconds=1), None, ("reject", "enrolment_closed")),
        (facts(status="cancelled"), occ(), BEFORE, None, ("reject", "session_cancelled")),
        (facts(), occ(live=True), BEFORE, None, ("reject", "already_enrolled")),
        (facts(), occ(nominated=1), BEFORE, "Ministry", ("reject", "quota_exceeded")),
        (facts(), occ(nominated=0), BEFORE, "Ministry", ("confirm", None)),
        (facts(), occ(nominated=5), BEFORE, "Other NGO", ("confirm", None)),
        (facts(capacity=0, waitlist_capacity=0), occ(), BEFORE, None, ("reject", "session_full")),
    ],
)
def test_a_request_is_decided_by_the_sessions_rules(session, occupancy, when, nominator, expected):
    decision = domain.decide_request(session, occupancy, requested_at=when, nominated_by=nominator)
    assert (decision.verdict, decision.reason) == expected


def test_the_closing_time_is_compared_across_time_zones():
    from zoneinfo import ZoneInfo

    local = CLOSES.astimezone(ZoneInfo("Indian/Comoro")) + timedelta(minutes=1)
    decision = domain.decide_request(facts(), occ(), requested_at=local, nominated_by=None)
    assert decision.reason == "enrolment_closed"


def test_a_freed_seat_goes_to_the_lowest_free_number():
    assert domain.lowest_free_seat(set()) == 1
    assert domain.lowest_free_seat({1, 2, 4}) == 3


def test_a_lowered_capacity_moves_the_latest_confirmed_back_to_the_waitlist():
    move = domain.rebalance(2, ["a", "b", "c", "d"], ["e"])
    assert move.to_waitlist == ["c", "d"] and move.to_confirm == []


def test_a_raised_capacity_promotes_the_head_of_the_waitlist():
    move = domain.rebalance(4, ["a", "b"], ["c", "d", "e"])
    assert move.to_confirm == ["c", "d"] and move.to_waitlist == []


def test_capacity_fitted_exactly_moves_nobody():
    assert domain.rebalance(2, ["a", "b"], ["c"]) == domain.Rebalance([], [])


DAYS = domain.session_days(date(2023, 6, 5), date(2023, 6, 9))


def present(days: int, absent: int = 0) -> list[Attendance]:
    """`days` present days from the first, then `absent` recorded absences."""
    out = [Attendance(DAYS[n], None, True) for n in range(days)]
    return out + [Attendance(DAYS[days + n], None, False) for n in range(absent)]


RULE = CompletionRule(min_attendance_ratio=0.8, pass_mark=60, evaluation_required=True)
NO_TEST = CompletionRule(min_attendance_ratio=0.8, pass_mark=None, evaluation_required=False)
EVAL_ONLY = CompletionRule(min_attendance_ratio=0.8, pass_mark=None, evaluation_required=True)


@pytest.mark.parametrize(
    ("case", "rule", "records", "post", "evaluated", "expected"),
    [
        ("attendance below threshold", RULE, present(3, 2), 90, True, "not_completed"),
        ("attendance at threshold, all passed", RULE, present(4, 1), 60, True, "completed"),
        ("full attendance, post-test at pass mark", RULE, present(5), 60.0, True, "completed"),
        ("post-test just below pass mark", RULE, present(5), 59.99, True, "attended"),
        ("post-test missing", RULE, present(5), None, True, "attended"),
        ("evaluation required and missing", RULE, present(5), 80, False, "attended"),
        ("no pass mark, no evaluation required", NO_TEST, present(4), None, False, "completed"),
        (
            "no pass mark, evaluation required, missing",
            EVAL_ONLY,
            present(5),
            None,
            False,
            "attended",
        ),
        ("no pass mark, evaluation in", EVAL_ONLY, present(4), None, True, "completed"),
        ("no records at all count as absent", NO_TEST, [], None, False, "not_completed"),
        (
            "failed test does not rescue low attendance",
            RULE,
            present(1),
            100,
            True,
            "not_completed",
        ),
    ],
)
def test_the_completion_table(case, rule, records, post, evaluated, expected):
    result = domain.complete(
        rule, records, days=DAYS, modules=[], pre_score=40, post_score=post, evaluated=evaluated
    )
    assert result.outcome == expected, case
    assert result.pre_score == 40 and result.post_score == post


def test_a_ratio_like_two_thirds_passes_a_rule_written_as_two_thirds_rounded_down():
    rule = CompletionRule(min_attendance_ratio=0.66, pass_mark=None, evaluation_required=False)
    days = DAYS[:3]
    records = [Attendance(days[0], None, True), Attendance(days[1], None, True)]
    result = domain.complete(
        rule, records, days=days, modules=[], pre_score=None, post_score=None, evaluated=False
    )
    assert result.outcome == "completed" and result.attendance_ratio == pytest.approx(2 / 3)


def test_a_ratio_of_seven_tenths_meets_a_rule_of_0_7_exactly():
    assert (
        domain.outcome(
            CompletionRule(0.7, None, False), Fraction(7, 10), post_score=None, evaluated=False
        )
        == "completed"
    )


def test_attendance_by_module_counts_modules_not_days():
    modules = ["M1", "M2", "M3", "M4", "M5"]
    records = [
        Attendance(DAYS[0], "M1", True),
        Attendance(DAYS[0], "M2", True),
        Attendance(DAYS[1], "M3", True),
        Attendance(DAYS[2], "M4", False),
        Attendance(DAYS[3], "M5", True),
    ]
    assert domain.attendance_ratio(records, days=DAYS, modules=modules) == Fraction(4, 5)


def test_day_records_outside_the_session_dates_do_not_count():
    records = [Attendance(date(2023, 6, 1), None, True), Attendance(DAYS[0], None, True)]
    assert domain.attendance_ratio(records, days=DAYS, modules=[]) == Fraction(1, 5)
