"""HTTP: on-demand reports (JSON, CSV, XLSX, PDF) and the dashboard.

The report routes take a bearer token only; the dashboard's pages (`/dashboard`,
`/dashboard-download`) also take the sign-in cookie of a person (signin.py), and offer in
their scope box only the scopes the caller's organisation may read (scopes.py).

A caller reads only the audiences its organisation holds: a ministry its country
(`reports:country:<ISO3>`), a donor itself, an agency its programmes; anything else is 403
`insufficient_scope` (a report is computed for any scope, so 403 reveals nothing).
"""

from __future__ import annotations

import hmac
from datetime import date
from typing import Any

from cohort_contracts.reports import ReportPublished
from cohort_kit import Runtime
from cohort_kit.auth import Principal, forbidden, public, report_scope, require, require_page
from cohort_kit.pages import css_response
from cohort_kit.reportlinks import report_link_signature
from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse

from . import dashboard, exports, scopes, store
from .dashview import dashboard_view
from .domain import InvalidScope, Scope
from .feed import make_router as feed_router
from .periods import FIRST, LAST, InvalidPeriod, kind_of
from .reports import build_report
from .signin import SESSION, make_signin
from .texts import accepted, language
from .trend import trend

MEDIA = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def make_api(runtime: Runtime) -> APIRouter:
    api = APIRouter(tags=["reports"])
    api.include_router(feed_router(runtime))  # GET /reports/feed (feed.py)

    def parse(
        caller: Principal, scope: str, start: date | None, end: date | None
    ) -> tuple[Scope, date, date]:
        try:
            parsed = Scope.parse(scope)
        except InvalidScope as exc:
            raise HTTPException(422, str(exc)) from None
        if parsed.kind == "session":
            raise HTTPException(422, "scope must be country, donor or programme")
        wanted = report_scope(parsed.kind, parsed.value)
        if not caller.allows(wanted):
            raise forbidden(wanted)
        start, end = start or FIRST, end or LAST
        if start > end:
            raise HTTPException(422, f"'from' ({start}) is after 'to' ({end})")
        try:
            kind_of(start, end)
        except InvalidPeriod as exc:
            raise HTTPException(422, str(exc)) from None
        return parsed, start, end

    async def report(caller: Principal, scope: str, start: date | None, end: date | None) -> Any:
        parsed, first, last = parse(caller, scope, start, end)
        assert runtime.pool is not None
        async with runtime.pool.acquire() as con:
            return await build_report(con, parsed, first, last)

    @api.get("/reports", summary="A report for one scope and period, computed now.")
    async def get_report(
        scope: str = Query(..., examples=["country:COM", "donor:European Union"]),
        start: date | None = Query(None, alias="from"),
        end: date | None = Query(None, alias="to"),
        format: str = Query("json", pattern="^(json|csv|xlsx|pdf)$"),
        caller: Principal = require("reports"),
    ) -> Response:
        return files(await report(caller, scope, start, end), format)

    @api.get(
        "/reports/published/{report_id}",
        summary="A report as it was published on REPORTS, in one of its forms.",
        dependencies=[
            public(
                "a capability link: `sig` is the HMAC of the report id under the secret "
                "reporting shares with notification (report e-mails); no valid sig, 404"
            )
        ],
    )
    async def get_published(
        report_id: str,
        format: str = Query("json", pattern="^(json|csv|xlsx|pdf)$"),
        sig: str = Query("", max_length=128),
    ) -> Response:
        secret = runtime.settings.report_files_secret  # type: ignore[attr-defined]
        expected = report_link_signature(secret, report_id).encode() if secret else b""
        if not secret or not hmac.compare_digest(sig.encode(), expected):
            raise HTTPException(404, "no such published report")
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
        request: Request,
        scope: str | None = Query(None, examples=["country:NER"]),
        start: date | None = Query(None, alias="from"),
        end: date | None = Query(None, alias="to"),
        lang: str | None = Query(None, pattern="^[A-Za-z-]{2,12}$"),
        caller: Principal = require_page("reports", cookie=SESSION),
    ) -> HTMLResponse:
        reader = language(lang, *accepted(request.headers.get("accept-language")))
        assert runtime.pool is not None
        async with runtime.pool.acquire() as con:
            choices = await scopes.offered(con, caller)
            scope = scope or (choices[0] if choices else _default_scope(caller))
            parsed, first, last = parse(caller, scope, start, end)
            r = await build_report(con, parsed, first, last)
            buckets = await trend(con, parsed, first, last)
        view = dashboard_view(r, buckets, reader, start, end)
        # A person signed in by cookie gets a sign-out button; a bearer caller has none.
        signed_in = "authorization" not in request.headers and SESSION in request.cookies
        page = dashboard.render(view, scope, start, end, choices=choices, signed_in=signed_in)
        return HTMLResponse(page, headers={"Cache-Control": "no-store"})

    @api.get(
        "/dashboard-download",
        summary="The dashboard's view as a file (CSV, XLSX, PDF), for a signed-in person.",
    )
    async def get_dashboard_file(
        scope: str = Query(..., examples=["country:NER"]),
        start: date | None = Query(None, alias="from"),
        end: date | None = Query(None, alias="to"),
        format: str = Query("csv", pattern="^(json|csv|xlsx|pdf)$"),
        caller: Principal = require_page("reports", cookie=SESSION),
    ) -> Response:
        return files(await report(caller, scope, start, end), format)

    api.include_router(make_signin(runtime))

    @api.get(
        "/dashboard.css",
        include_in_schema=False,
        dependencies=[public("the dashboard's style sheet: no data")],
    )
    async def dashboard_css() -> Response:
        return css_response(dashboard.CSS)

    return api


def _default_scope(caller: Principal) -> str:
    """The dashboard opens on the caller's own country, if it has one."""
    if countries := sorted(caller.values("reports:country:")):
        return f"country:{countries[0]}"
    raise HTTPException(422, "choose a scope (scope=donor:<name>, ...)")
