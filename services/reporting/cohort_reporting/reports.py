"""Building a report: facts from the store, figures from the domain, privacy, provenance."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg
from cohort_contracts.reports import Period, ReportPublished, ReportScope, subject_token

from . import periods, store
from .domain import DEFINITION_VERSION, Scope, figures_from_counts
from .privacy import differencing_paths, protect

__all__ = ["build_report", "report_subject_tail", "subject_token"]  # the rule: contracts


def report_subject_tail(scope: Scope, kind: str) -> str:
    return f"{scope.kind}.{subject_token(scope.value)}.{kind}"


def contract_scope(scope: Scope) -> ReportScope:
    return ReportScope(**{scope.kind: scope.value})


async def build_report(
    con: asyncpg.Connection,
    scope: Scope,
    start: date,
    end: date,
    *,
    kind: str = "on_demand",
    report_id: str | None = None,
    extra: dict[str, Any] | None = None,
    select: Scope | None = None,
) -> ReportPublished:
    """The report for `scope` over sessions starting in [start, end] (or only the sessions
    `select` picks, e.g. one session for a session summary)."""
    nested: list[list[periods.Span]] = []
    if select is None:  # a period report: others of nested periods can be subtracted
        days = [s.start_date for s in await store.load_sessions(con, scope, start, end)]
        nested = periods.nested(start, end, days)
    flat = [span for spans in nested for span in spans]  # all counted in one pass
    every = iter(await store.count_spans(con, select or scope, [(start, end), *flat]))
    counts = next(every)
    raw, rules = figures_from_counts(counts)
    forced: set[str] = set()
    if select is None:
        partitions = [[figures_from_counts(next(every))[0] for _ in spans] for spans in nested]
        forced = differencing_paths(raw, partitions, rules)
    figures, suppressed = protect(raw, rules, forced)
    prov = await store.provenance(con)
    figures["provenance"] = {
        "definition_version": DEFINITION_VERSION,
        "events_applied": prov["events_applied"],
        "first_event_time": _iso(prov["first_event_time"]),
        "last_event_time": _iso(prov["last_event_time"]),
        "sessions_covered": len(counts.sessions),
        **(extra or {}),
    }
    rid = report_id or (
        f"cohort:r-{scope.kind}-{subject_token(scope.value)}-{kind}-{start}-{end}"
        f"-v{DEFINITION_VERSION}"
    )
    return ReportPublished(
        report_id=rid,
        kind=kind,
        scope=contract_scope(scope),
        period=Period(start=start, end=end),
        figures=figures,
        suppressed_cells=suppressed,
    )


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
