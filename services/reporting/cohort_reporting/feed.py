"""HTTP catch-up feed: a subscriber's published reports after a given one, oldest first.

`GET /reports/feed?after=<report id>&limit=N` answers the reports of the caller's own
audiences (a ministry its country, a donor itself, an agency its programmes, operators
all) stored after `after`, in the order reporting stored them, at most `limit` (1..100), and
`next`: the `after` of the following call (the last item's id, or `after` again when there
was nothing new), so a client that keeps `next` never misses or repeats a report. Each item
links to its JSON, CSV, XLSX and PDF forms at `GET /reports/feed/{report_id}?format=...`,
which answers the same caller only.

An `after` that is not a report of the caller's audiences (unknown, or another scope's) is
one answer, 400 `unknown_after`: a caller cannot learn whether someone else's report exists.
The NATS durable reader (docs/decisions/0007-subscriber-delivery.md) is the push path; this
is the pull path for systems that only speak HTTP.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import asyncpg
from cohort_contracts.reports import ReportPublished
from cohort_kit import Runtime
from cohort_kit.auth import Principal, report_scope, require
from fastapi import APIRouter, HTTPException, Query, Response

from . import exports, store

MAX_PAGE = 100
FORMATS = ("json", "csv", "xlsx", "pdf")
MEDIA = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
UNKNOWN_AFTER = "unknown_after: no report of your audiences has this id"


async def audiences(con: asyncpg.Connection, caller: Principal) -> list[tuple[str, str]]:
    """The published (kind, value) scopes the caller may read, by the same rule as
    `GET /reports` (`report_scope` turns `EMM2.0` into the token of the scope)."""
    return [
        (kind, value)
        for kind, value in await store.published_scopes(con)
        if caller.allows(report_scope(kind, value))
    ]


def item(row: dict[str, Any]) -> dict[str, Any]:
    payload = row["payload"]
    base = f"/reports/feed/{quote(row['report_id'], safe='')}"
    return {
        "report_id": row["report_id"],
        "kind": row["kind"],
        "scope": {"kind": row["scope_kind"], "value": row["scope_value"]},
        "period": payload.get("period"),
        "published_at": row["published_at"].isoformat(),
        "links": {f: f"{base}?format={f}" for f in FORMATS},
    }


def render(report: ReportPublished, format: str) -> Response:
    if format == "json":
        return Response(report.model_dump_json(), media_type=MEDIA["json"])
    name = f"report-{report.report_id.split(':')[-1]}.{format}"
    body = {"csv": exports.to_csv, "xlsx": exports.to_xlsx, "pdf": exports.to_pdf}[format](report)
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type=MEDIA[format], headers=headers)


def make_router(runtime: Runtime) -> APIRouter:
    api = APIRouter(tags=["reports"])

    @api.get("/reports/feed", summary="Your published reports after a given one, oldest first.")
    async def get_feed(
        after: str | None = Query(None, max_length=300, description="A report id from `next`."),
        limit: int = Query(20, ge=1, le=MAX_PAGE),
        caller: Principal = require("reports"),
    ) -> dict[str, Any]:
        assert runtime.pool is not None
        async with runtime.pool.acquire() as con:
            scopes = await audiences(con, caller)
            position = 0
            if after is not None:
                found = await store.feed_position(con, after, scopes) if scopes else None
                if found is None:
                    raise HTTPException(400, UNKNOWN_AFTER)
                position = found
            rows = await store.feed_page(con, scopes, position, limit + 1) if scopes else []
        items = [item(r) for r in rows[:limit]]
        return {
            "items": items,
            "next": items[-1]["report_id"] if items else after,
            "more": len(rows) > limit,
        }

    @api.get("/reports/feed/{report_id}", summary="One report of your feed, in one form.")
    async def get_feed_item(
        report_id: str,
        format: str = Query("json", pattern="^(json|csv|xlsx|pdf)$"),
        caller: Principal = require("reports"),
    ) -> Response:
        assert runtime.pool is not None
        async with runtime.pool.acquire() as con:
            scopes = await audiences(con, caller)
            found = await store.feed_position(con, report_id, scopes) if scopes else None
            payload = None if found is None else await store.published_report(con, report_id)
        if payload is None:  # unknown and another audience's: the same answer
            raise HTTPException(404, "no such report in your feed")
        return render(ReportPublished.model_validate(payload), format)

    return api
