"""The enrolment rules, without I/O: seat decisions, waitlist moves, completion.

Everything here is a pure function of its arguments, so the rules are tested without a
broker or a database; `handlers.py` reads the facts (under the session's row lock), calls
these, and writes and emits what they decide.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Literal

Verdict = Literal["confirm", "waitlist", "reject"]


@dataclass(frozen=True)
class SessionFacts:
    session_id: str
    agency: str
    course_id: str
    start_date: date
    end_date: date
    capacity: int
    waitlist_capacity: int
    enrolment_closes_at: datetime
    status: str  # scheduled | cancelled | closed
    nomination_quotas: dict[str, int] | None = None


@dataclass(frozen=True)
class Occupancy:
    """What a session holds when a request is decided."""

    confirmed: int
    waitlisted: int
    participant_live: bool  # the participant already holds a live enrolment here
    nominator_live: int = 0  # live enrolments nominated by the request's organisation


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    reason: str | None = None


def decide_request(
    session: SessionFacts, occ: Occupancy, *, requested_at: datetime, nominated_by: str | None
) -> Decision:
    """Where a request goes; `requested_at` is the event's time, never the wall clock."""
    if session.status == "cancelled":
        return Decision("reject", "session_cancelled")
    if requested_at > session.enrolment_closes_at:
        return Decision("reject", "enrolment_closed")
    if occ.participant_live:
        return Decision("reject", "already_enrolled")
    quota = (session.nomination_quotas or {}).get(nominated_by or "")
    if quota is not None and occ.nominator_live >= quota:
        return Decision("reject", "quota_exceeded")
    if occ.confirmed < session.capacity:
        return Decision("confirm")
    if occ.waitlisted < session.waitlist_capacity:
        return Decision("waitlist")
    return Decision("reject", "session_full")


def lowest_free_seat(taken: set[int]) -> int:
    seat = 1
    while seat in taken:
        seat += 1
    return seat


@dataclass(frozen=True)
class Rebalance:
    to_waitlist: list[str]  # confirmed enrolments moved back to the head of the waitlist
    to_confirm: list[str]  # waitlisted enrolments promoted to a seat


def rebalance(capacity: int, confirmed: list[str], waitlisted: list[str]) -> Rebalance:
    """Fit the confirmed to `capacity`; both lists are in queue (INTAKE) order.

    Over capacity, the latest confirmed go back to the waitlist (they stay ahead of the
    people who came after them); under capacity, the head of the waitlist is promoted.
    """
    if len(confirmed) > capacity:
        return Rebalance(to_waitlist=confirmed[capacity:], to_confirm=[])
    free = capacity - len(confirmed)
    return Rebalance(to_waitlist=[], to_confirm=waitlisted[:free])


# --- completion ---------------------------------------------------------------------


@dataclass(frozen=True)
class CompletionRule:
    min_attendance_ratio: float
    pass_mark: float | None
    evaluation_required: bool


@dataclass(frozen=True)
class Attendance:
    day: date
    module: str | None
    present: bool


@dataclass(frozen=True)
class Completion:
    outcome: str
    attendance_ratio: float
    pre_score: float | None
    post_score: float | None


def session_days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def attendance_ratio(
    records: list[Attendance], *, days: list[date], modules: list[str]
) -> Fraction:
    """Share of the units attended: the modules when `modules` is given, else the days.

    A module counts as attended when any record of it is present; a day when its record
    (without module) is present. No record counts as absent.
    """
    if modules:
        attended_modules = {r.module for r in records if r.present and r.module in modules}
        return Fraction(len(attended_modules), len(modules))
    if not days:
        return Fraction(0)
    attended_days = {r.day for r in records if r.present and r.module is None and r.day in days}
    return Fraction(len(attended_days), len(days))


def outcome(
    rule: CompletionRule, ratio: Fraction, post_score: float | None, evaluated: bool
) -> str:
    """ARCHITECTURE.md's order: attendance first, then post-test and evaluation; inclusive."""
    if ratio < _exact(rule.min_attendance_ratio):
        return "not_completed"
    test_passed = rule.pass_mark is None or (
        post_score is not None and _exact(post_score) >= _exact(rule.pass_mark)
    )
    evaluation_ok = evaluated or not rule.evaluation_required
    return "completed" if test_passed and evaluation_ok else "attended"


def complete(
    rule: CompletionRule,
    records: list[Attendance],
    *,
    days: list[date],
    modules: list[str],
    pre_score: float | None,
    post_score: float | None,
    evaluated: bool,
) -> Completion:
    ratio = attendance_ratio(records, days=days, modules=modules)
    return Completion(
        outcome=outcome(rule, ratio, post_score, evaluated),
        attendance_ratio=float(ratio),
        pre_score=pre_score,
        post_score=post_score,
    )


def _exact(value: float) -> Fraction:
    """The decimal the agency wrote (0.8, not 0.8000000000000000444), for exact comparison."""
    return Fraction(repr(value))
