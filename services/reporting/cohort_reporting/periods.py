"""Which periods a report may cover, and which other reports could be subtracted from it.

Reports for arbitrary periods can be subtracted: Jan–Dec minus Jan–Mar gives the figures of
a lone April participant that the April report hides. So periods are calendar months,
quarters and years (or everything), a family in which any two periods are nested or
disjoint; and a report hides every cell that a difference with a period nested in it would
reveal (see `privacy.differencing_paths` and services/reporting/README.md).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date

FIRST = date(2000, 1, 1)
LAST = date(2099, 12, 31)

Span = tuple[date, date]


class InvalidPeriod(ValueError):
    pass


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def kind_of(start: date, end: date) -> str:
    """`month`, `quarter`, `year` or `all`; `InvalidPeriod` for anything else."""
    if (start, end) == (FIRST, LAST):
        return "all"
    if start.day == 1 and end == _month_end(end) and start <= end:
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        if months == 1:
            return "month"
        if months == 3 and start.month in (1, 4, 7, 10):
            return "quarter"
        if months == 12 and start.month == 1:
            return "year"
    raise InvalidPeriod(
        f"{start} to {end} is not a calendar month, quarter or year: reports of other "
        "periods could be subtracted from each other to reveal cells hidden for privacy "
        "(e.g. from=2023-04-01&to=2023-06-30, or no period at all for everything)"
    )


def month(day: date) -> Span:
    first = day.replace(day=1)
    return first, _month_end(first)


def quarter(day: date) -> Span:
    first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return first, _month_end(date(first.year, first.month + 2, 1))


def year(day: date) -> Span:
    return date(day.year, 1, 1), date(day.year, 12, 31)


def nested(start: date, end: date, session_days: Iterable[date]) -> list[list[Span]]:
    """The partitions of [start, end] into the smaller periods of the family (years,
    quarters, months), keeping only the parts that hold a session (the others are zero)."""
    kind = kind_of(start, end)
    levels = {"all": (year, quarter, month), "year": (quarter, month), "quarter": (month,)}
    days = [d for d in session_days if start <= d <= end]
    return [sorted({level(d) for d in days}) for level in levels.get(kind, ())]
