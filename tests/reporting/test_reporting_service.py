"""The reporting service against real NATS JetStream and PostgreSQL, on a known scenario."""

from __future__ import annotations

import io
import json

import asyncpg
import httpx
import pytest
from cohort_reporting.domain import Scope
from cohort_reporting.rebuild import rebuild
from cohort_reporting.reports import build_report
from openpyxl import load_workbook

from tests import factories
from tests.auth import headers
from tests.harness import eventually, publish_event, publish_raw, read_stream
from tests.reporting import scenario
from tests.reporting.attacker import recover
from tests.unit.test_report_contract import report_validator

pytestmark = pytest.mark.integration

EXPECTED_COM = {
    "sessions": {
        "scheduled": 1,
        "cancelled": 0,
        "delivered": 1,
        "by_mode": {"in_person": 1},
        "by_country": {"COM": 1},
        "by_programme": {"EMM2.0": 1},
        "by_audience": {"civil_society": 1, "government": 1},
    },
    "participants": {
        "trained": 30,
        # Every category is listed, with nobody in it or not (issue 15).
        "by_sex": {"female": 17, "male": None, "other": 0, "undisclosed": None, "unknown": 0},
        "by_organisation_kind": {
            "academia": None,
            "agency_staff": 0,
            "civil_society": None,
            "government": 22,
            "international_organisation": 0,
            "private_sector": 0,
            "unknown": 0,
        },
        "by_nationality": {"COM": 30, "FRA": 0, "unknown": 0},
        "by_residence": {"COM": None, "FRA": None, "unknown": 0},
    },
    "enrolments": {"confirmed": 30, "waitlisted": None, "rejected": None, "cancelled": 0},
    "completion": {
        "decided": 30,
        "completed": 24,
        "attended": 6,
        "not_completed": 0,
        "rate_percent": 80.0,
    },
    "certificates": {"issued": 24, "revoked": None, "valid": None},
    "trainers": {"certified": 0, "cascade_sessions": 1, "cascade_participants_trained": 30},
    "satisfaction": {
        "respondents": 27,
        "agree": {
            "relevance": 27,
            "will_improve_performance": 25,
            "methodology": None,
            "content_quality": 20,
        },
        "agree_percent": {
            "relevance": 100.0,
            "will_improve_performance": 92.6,
            "methodology": None,
            "content_quality": 74.1,
        },
    },
    "knowledge_gain": {
        "participants": 30,
        "mean_pre": 50.0,
        "mean_post": 64.3,
        "mean_gain": 14.3,
        "distribution": {
            "below_0": None,
            "0_to_9": None,
            "10_to_19": 10,
            "20_to_29": 10,
            "30_and_more": 0,
        },
    },
    "notifications": {"sent": 30, "failed": None},
}
SUPPRESSED_COM = sorted(
    [
        "participants.by_sex.male",
        "participants.by_sex.undisclosed",
        "participants.by_organisation_kind.academia",
        "participants.by_organisation_kind.civil_society",
        "participants.by_residence.COM",
        "participants.by_residence.FRA",
        "enrolments.waitlisted",
        "enrolments.rejected",
        "certificates.revoked",
        "certificates.valid",
        "satisfaction.agree.methodology",
        "satisfaction.agree_percent.methodology",
        "knowledge_gain.distribution.below_0",
        "knowledge_gain.distribution.0_to_9",
        "notifications.failed",
    ]
)


async def applied(database_url: str) -> int:
    con = await asyncpg.connect(database_url)
    try:
        return int(await con.fetchval("SELECT coalesce(sum(events), 0) FROM r_provenance"))
    finally:
        await con.close()


async def play(js, database_url: str) -> scenario.Scenario:
    s = scenario.build()
    for subject, body, msg_id in s.bodies():
        await publish_raw(js, subject, body, msg_id)
    await eventually(lambda: _ge(applied(database_url), s.handled), timeout=30)
    return s


async def _ge(value, target):
    v = await value
    return v if v >= target else None


def client(runtime, org: str = "ministry:COM") -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=runtime.http_app),
        base_url="http://reporting",
        headers=headers(org),
    )


def figures_only(report: dict) -> dict:
    return {
        k: v for k, v in report["figures"].items() if k not in ("provenance", "definition_version")
    }


async def test_the_moroni_scenario_gives_its_known_figures_with_the_right_cells_hidden(
    js, reporting, database_url
):
    s = await play(js, database_url)
    async with client(reporting) as http:
        res = await http.get(
            "/reports", params={"scope": "country:COM", "from": "2023-01-01", "to": "2023-12-31"}
        )
        assert res.status_code == 200, res.text
        report = res.json()
        assert figures_only(report) == EXPECTED_COM
        assert report["suppressed_cells"] == SUPPRESSED_COM
        assert report["figures"]["definition_version"] == "2"
        prov = report["figures"]["provenance"]
        assert sum(prov["events_applied"].values()) == s.handled
        assert prov["last_event_time"] is not None

        # Nothing about a person, and nothing from Niger, in the Comoros report.
        text = res.text
        for p in s.people:
            for value in (
                p["participant_id"],
                p["email"],
                p["given_name"],
                p["family_name"],
                p["phone"],
            ):
                assert value not in text
        assert "NER" not in text and scenario.NER not in text and "Netherlands" not in text
        assert recover(report["figures"]) == {}

        donor = headers("donor:nl")
        ner = (
            await http.get("/reports", params={"scope": "donor:Netherlands"}, headers=donor)
        ).json()
        assert ner["figures"]["participants"]["trained"] == 6
        assert ner["figures"]["sessions"]["by_country"] == {"NER": 1}
        empty = (
            await http.get(
                "/reports",
                params={"scope": "country:COM", "from": "2024-01-01", "to": "2024-12-31"},
            )
        ).json()
        assert empty["figures"]["participants"]["trained"] == 0

        csv_text = (
            await http.get("/reports", params={"scope": "country:COM", "format": "csv"})
        ).text
        assert "participants.trained,30," in csv_text
        assert "participants.by_sex.male,,suppressed" in csv_text
        xlsx = (
            await http.get("/reports", params={"scope": "country:COM", "format": "xlsx"})
        ).content
        sheet = load_workbook(io.BytesIO(xlsx))["figures"]
        assert ["participants.trained", 30, None] in [
            list(r) for r in sheet.iter_rows(values_only=True)
        ]
        pdf = await http.get("/reports", params={"scope": "country:COM", "format": "pdf"})
        assert pdf.content.startswith(b"%PDF")
        html = (await http.get("/dashboard", params={"scope": "country:COM"})).text
        assert 'id="participants-trained" data-state="shown">30<' in html
        bad = await http.get("/reports", params={"scope": "planet:Mars"})
        assert bad.status_code == 422
        # Comoros may not read Niger's or the Netherlands' reports, nor the other way round.
        for scope in ("country:NER", "donor:Netherlands"):
            refused = await http.get("/reports", params={"scope": scope})
            assert refused.status_code == 403
            assert "insufficient_scope" in refused.headers["www-authenticate"]
        other = await http.get("/dashboard", params={"scope": "country:COM"}, headers=donor)
        assert other.status_code == 403


async def test_closing_a_session_publishes_its_summary_to_each_scope(js, reporting, database_url):
    await play(js, database_url)
    subjects = {
        "reports.country.COM.session_summary",
        "reports.programme.EMM2_0.session_summary",
        "reports.country.NER.session_summary",
        "reports.donor.Netherlands.session_summary",
    }

    async def published():
        msgs = await read_stream(js, "REPORTS")
        return msgs if len(msgs) >= 5 else None

    msgs = await eventually(published, timeout=30)
    assert {m.subject for m in msgs} == subjects  # EMM2.0 twice: once per session
    assert len(msgs) == 5
    com = [json.loads(m.data) for m in msgs if m.subject == "reports.country.COM.session_summary"]
    assert len(com) == 1
    event = com[0]
    assert event["type"] == "report.published.v1" and event["source"] == "cohort/reporting"
    data = event["data"]
    assert data["kind"] == "session_summary"
    assert data["period"] == {"start": "2023-06-05", "end": "2023-06-09"}
    assert figures_only(data) == EXPECTED_COM
    assert data["suppressed_cells"] == SUPPRESSED_COM
    assert data["figures"]["provenance"]["closing_event_id"]
    # Every published report (the Niger one with its small groups too) fits the exported schema.
    validator = report_validator()
    for m in msgs:
        validator.validate(json.loads(m.data))


async def test_a_rebuild_from_the_streams_gives_the_same_reports(
    js, reporting, database_url, nats_url, other_database_url
):
    await play(js, database_url)
    stats = await rebuild(nats_url, other_database_url)
    assert sum(stats.applied.values()) == scenario.build().handled

    async def reports(dsn: str) -> list[dict]:
        con = await asyncpg.connect(dsn)
        from cohort_kit.db import _init_connection

        await _init_connection(con)
        try:
            out = []
            for scope in ("country:COM", "country:NER", "donor:Netherlands", "programme:EMM2.0"):
                r = await build_report(con, Scope.parse(scope), *_year())
                dumped = r.model_dump(mode="json")
                out.append(dumped)
            return out
        finally:
            await con.close()

    live, rebuilt = await reports(database_url), await reports(other_database_url)
    assert rebuilt == live
    assert live[0]["figures"]["participants"]["trained"] == 30
    # Rebuilding twice changes nothing.
    await rebuild(nats_url, other_database_url)
    assert await reports(other_database_url) == live


def _year():
    from datetime import date

    return date(2023, 1, 1), date(2023, 12, 31)


async def test_monthly_and_quarterly_reports_follow_the_event_clock(js, reporting, database_url):
    s = await play(js, database_url)
    later = factories.participant("iom:p-late")
    later["time"] = "2023-10-02T08:00:00+00:00"
    await publish_event(js, later)
    await eventually(lambda: _ge(applied(database_url), s.handled + 1), timeout=30)

    async def periodic():
        msgs = [m for m in await read_stream(js, "REPORTS") if "summary" not in m.subject]
        return msgs if len(msgs) >= 10 else None

    msgs = await eventually(periodic, timeout=30)
    # June: Comoros and EMM2.0; September: Niger, the Netherlands and EMM2.0; per quarter too.
    expected = [
        f"reports.{scope}.{kind}"
        for kind in ("monthly", "quarterly")
        for scope in (
            "country.COM",
            "programme.EMM2_0",
            "country.NER",
            "donor.Netherlands",
            "programme.EMM2_0",
        )
    ]
    assert sorted(m.subject for m in msgs) == sorted(expected)
    june = next(
        json.loads(m.data)["data"] for m in msgs if m.subject == "reports.country.COM.monthly"
    )
    assert june["period"] == {"start": "2023-06-01", "end": "2023-06-30"}
    assert figures_only(june) == EXPECTED_COM
