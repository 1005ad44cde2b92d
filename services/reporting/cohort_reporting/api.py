"""HTTP: on-demand reports (JSON, CSV, XLSX, PDF) and the dashboard."""

from __future__ import annotations

from datetime import date
from typing import Any

from cohort_contracts.reports import ReportPublished
from cohort_kit import Runtime
from fastapi import APIRouter, HTTPException, Query, Response
from fastapi.responses import HTMLResponse

from . import dashboard, exports, store
from .domain import InvalidScope, Scope
from .reports import build_report

FIRST = date(2000, 1, 1)
LAST = date(2099, 12, 31)
MEDIA = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def make_api(runtime: Runtime) -> APIRouter:
    api = APIRouter(tags=["reports"])

    async def report(scope: str, start: date | None, end: date | None) -> Any:
        try:
            parsed = Scope.parse(scope)
        except InvalidScope as exc:
            raise HTTPException(422, str(exc)) from None
        if parsed.kind == "session":
            raise HTTPException(422, "scope must be country, donor or programme")
        start, end = start or FIRST, end or LAST
        if start > end:
            raise HTTPException(422, f"'from' ({start}) is after 'to' ({end})")
        assert runtime.pool is not None
        async with runtime.pool.acquire() as con:
            return await build_report(con, parsed, start, end)

    @api.get("/reports", summary="A report for one scope and period, computed now.")
    async def get_report(
        scope: str = Query(..., examples=["country:COM", "donor:European Union"]),
        start: date | None = Query(None, alias="from"),
        end: date | None = Query(None, alias="to"),
        format: str = Query("json", pattern="^(json|csv|xlsx|pdf)$"),
    ) -> Response:
        return files(await report(scope, start, end), format)

    @api.get(
        "/reports/published/{report_id}",
        summary="A report as it was published on REPORTS, in one of its forms.",
    )
    async def get_published(
        report_id: str, format: str = Query("json", pattern="^(json|csv|xlsx|pdf)$")
    ) -> Response:
        assert runtime.pool is not None
        async with runtime.pool.acquire() as con:
            payload = await store.published_report(con, report_id)
        if payload is None:
            raise HTTPException(404, "no such published report")
        return files(ReportPublished.model_validate(payload), format)

    def files(r: ReportPublished, format: str) -> Response:
        name = f"report-{r.report_id.split(':')[-1]}.{format}"
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        if format == "json":
            return Response(r.model_dump_json(), media_type=MEDIA["json"])
        if format == "csv":
            return Response(exports.to_csv(r), media_type=MEDIA["csv"], headers=headers)
        if format == "xlsx":
            return Response(exports.to_xlsx(r), media_type=MEDIA["xlsx"], headers=headers)
        return Response(exports.to_pdf(r), media_type=MEDIA["pdf"], headers=headers)

    @api.get("/dashboard", response_class=HTMLResponse, summary="Charts for one scope.")
    async def get_dashboard(
        scope: str = Query("country:COM"),
        start: date | None = Query(None, alias="from"),
        end: date | None = Query(None, alias="to"),
    ) -> HTMLResponse:
        r = await report(scope, start, end)
        return HTMLResponse(dashboard.render(r, scope, str(start or FIRST), str(end or LAST)))

    return api
