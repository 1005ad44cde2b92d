"""The dashboard's trend: participants trained and sessions delivered per month, quarter or
year across the period, each bucket a protected report of its own.

Buckets are months when the sessions span at most a year, quarters up to four years, else
years (never more than MAX_BUCKETS, the latest kept). Each bucket's people count goes
through the same suppression as any report; across buckets, a lone hidden bucket could be
worked out from the period's total minus the others, so the smallest shown one is hidden
with it (the same rule as `privacy.protect` applies to the parts of a total).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import asyncpg

from . import store
from .domain import Scope
from .exports import section
from .reports import build_report

MAX_BUCKETS = 16


@dataclass(frozen=True)
class Bucket:
    start: date
    end: date
    unit: str  # month, quarter, year
    trained: int | None  # None: hidden (privacy) or nothing to count
    delivered: int
    hidden: bool


def _month_end(day: date) -> date:
    first_next = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first_next - timedelta(days=1)


def buckets(first: date, last: date) -> tuple[str, list[tuple[date, date]]]:
    """Calendar buckets covering [first, last]: (unit, [(start, end), ...])."""
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    unit = "month" if months <= 12 else ("quarter" if months <= 48 else "year")
    step = {"month": 1, "quarter": 3, "year": 12}[unit]
    start_month = (first.month - 1) // step * step + 1 if unit != "year" else 1
    cursor = date(first.year, start_month, 1)
    out: list[tuple[date, date]] = []
    while cursor <= last:
        month = cursor.month - 1 + step
        nxt = date(cursor.year + month // 12, month % 12 + 1, 1)
        out.append((cursor, _month_end(nxt - timedelta(days=1))))
        cursor = nxt
    return unit, out[-MAX_BUCKETS:]


def protect_across(values: list[int | None], hidden: list[bool]) -> list[bool]:
    """Secondary suppression across buckets: a lone hidden bucket takes the smallest
    shown non-zero bucket with it."""
    hidden = list(hidden)
    if sum(hidden) == 1:
        shown = [(v, i) for i, v in enumerate(values) if not hidden[i] and v]
        if shown:
            hidden[min(shown)[1]] = True
    return hidden


async def trend(con: asyncpg.Connection, scope: Scope, start: date, end: date) -> list[Bucket]:
    sessions = await store.load_sessions(con, scope, start, end)
    if not sessions:
        return []
    first = max(start, min(s.start_date for s in sessions))
    last = min(end, max(s.start_date for s in sessions))
    unit, spans = buckets(first, last)
    rows: list[tuple[date, date, int | None, int, bool]] = []
    for b_start, b_end in spans:
        report = await build_report(con, scope, max(b_start, start), min(b_end, end))
        trained = section(report.figures, "participants").get("trained")
        hidden = "participants.trained" in report.suppressed_cells
        delivered = section(report.figures, "sessions").get("delivered") or 0
        rows.append((b_start, b_end, trained, delivered, hidden))
    hides = protect_across([r[2] for r in rows], [r[4] for r in rows])
    return [
        Bucket(s, e, unit, None if hide else trained, delivered, hide)
        for (s, e, trained, delivered, _), hide in zip(rows, hides, strict=True)
    ]
