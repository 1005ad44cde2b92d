"""The HTTP catch-up feed (issue 15): a subscriber's own reports after a given one, in order."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import asyncpg
import httpx
import pytest
from cohort_kit.db import _init_connection
from cohort_reporting import store
from cohort_reporting.domain import Scope
from cohort_reporting.reports import build_report
from openpyxl import load_workbook

from tests.auth import headers

pytestmark = pytest.mark.integration

T0 = datetime(2024, 1, 31, tzinfo=UTC)


async def keep(database_url: str, scopes: list[tuple[str, str]]) -> list[str]:
    """Publish (store as published) one monthly report per entry, in this order; return ids.

    The times go backwards on purpose: the feed follows the order of storing, not the
    event times (a late report is not skipped by a reader already past its time)."""
    con = await asyncpg.connect(database_url)
    await _init_connection(con)
    ids = []
    try:
        for i, (kind, value) in enumerate(scopes):
            scope = Scope(kind, value)
            start = date(2024, 1 + i, 1)  # a calendar month (fewer than 12 reports)
            end = date(2024, 2 + i, 1) - timedelta(days=1)
            rid = f"cohort:r-{kind}-{value.replace(' ', '_')}-monthly-{i}"
            report = await build_report(con, scope, start, end, kind="monthly", report_id=rid)
            await store.keep_published(con, report, scope, T0 - timedelta(days=i))
            ids.append(rid)
    finally:
        await con.close()
    return ids


def client(runtime, org: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=runtime.http_app),
        base_url="http://reporting",
        headers=headers(org),
    )


async def walk(http: httpx.AsyncClient, limit: int, after: str | None = None) -> list[str]:
    seen: list[str] = []
    while True:
        params = {"limit": limit, **({"after": after} if after else {})}
        res = await http.get("/reports/feed", params=params)
        assert res.status_code == 200, res.text
        page = res.json()
        assert len(page["items"]) <= limit
        seen += [i["report_id"] for i in page["items"]]
        after = page["next"]
        if not page["more"]:
            return seen


async def test_a_ministry_reads_only_its_own_reports_in_order_and_resumes_after_any(
    reporting, database_url
):
    ids = await keep(
        database_url,
        [
            ("country", "COM"),
            ("country", "NER"),
            ("country", "COM"),
            ("donor", "European Union"),
            ("programme", "EMM2.0"),
            ("country", "COM"),
            ("country", "NER"),
            ("country", "COM"),
        ],
    )
    com = [ids[0], ids[2], ids[5], ids[7]]
    async with client(reporting, "ministry:COM") as http:
        assert await walk(http, limit=3) == com  # two pages, the cursor in between
        assert await walk(http, limit=1, after=com[1]) == com[2:]
        last = (await http.get("/reports/feed", params={"after": com[-1]})).json()
        assert last == {"items": [], "next": com[-1], "more": False}
        first = (await http.get("/reports/feed", params={"limit": 1})).json()["items"][0]
        assert first["scope"] == {"kind": "country", "value": "COM"}
        assert set(first["links"]) == {"json", "csv", "xlsx", "pdf"}
        forms = {f: await http.get(url) for f, url in first["links"].items()}
        assert all(r.status_code == 200 for r in forms.values()), forms
        assert forms["json"].json()["report_id"] == com[0]
        assert forms["pdf"].content.startswith(b"%PDF")
        assert "participants.trained" in forms["csv"].text
        load_workbook(io.BytesIO(forms["xlsx"].content))
    async with client(reporting, "donor:eu") as http:
        assert await walk(http, limit=10) == [ids[3]]
    async with client(reporting, "agency:iom") as http:  # its programme EMM2_0
        assert await walk(http, limit=10) == [ids[4]]
    async with client(reporting, "ops") as http:
        assert await walk(http, limit=5) == ids


async def test_an_unknown_or_foreign_cursor_is_one_answer_that_reveals_nothing(
    reporting, database_url
):
    ids = await keep(database_url, [("country", "COM"), ("country", "NER")])
    async with client(reporting, "ministry:COM") as http:
        foreign = await http.get("/reports/feed", params={"after": ids[1]})
        unknown = await http.get("/reports/feed", params={"after": "cohort:r-no-such"})
        assert foreign.status_code == unknown.status_code == 400
        assert foreign.json() == unknown.json()
        assert "unknown_after" in foreign.text and ids[1] not in foreign.text
        # Another audience's files, and an unknown report, are the same 404.
        other = await http.get(f"/reports/feed/{ids[1]}", params={"format": "pdf"})
        nothing = await http.get("/reports/feed/cohort:r-no-such")
        assert other.status_code == nothing.status_code == 404
        assert other.json() == nothing.json()
        too_big = await http.get("/reports/feed", params={"limit": 101})
        assert too_big.status_code == 422
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=reporting.http_app), base_url="http://reporting"
    ) as anonymous:
        assert (await anonymous.get("/reports/feed")).status_code == 401
    async with client(reporting, "donor:nl") as http:  # a subscriber with nothing yet
        assert (await http.get("/reports/feed")).json() == {
            "items": [],
            "next": None,
            "more": False,
        }
