"""What an outsider can send the certification service, against real NATS and PostgreSQL:
names and titles with any character, guessed credential URLs, oversized, deep and
exponentially hard uploads to `POST /verify`."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator

import pytest
from cohort_certification.app import definition
from cohort_certification.credentials import canon
from cohort_certification.credentials.canon import CREDENTIAL_CONTEXT
from cohort_kit import Runtime

from tests.certification import events
from tests.certification.test_service import client, count_at_least, facts, settings
from tests.harness import eventually, publish_event, read_stream, running

pytestmark = pytest.mark.integration

GIVEN = 'Zoë "Z" <O\'Brien> & <b>'
FAMILY = "Al\\Jubouri \u202eevil\u202c \u2066x\u2069 </script>"
TITLE = 'Re<integration> & "return" <a:b> \u202b\u200f'


@pytest.fixture
async def service(js, nats_url: str, database_url: str) -> AsyncIterator[Runtime]:
    async with running(definition, settings(nats_url, database_url)) as runtime:
        yield runtime


async def issued_one(js, database_url: str, **person: str) -> dict:
    await facts(js, title={"en": TITLE})
    await publish_event(js, events.person("icmpd:p-x", **person))
    await events.publish_completion(js, events.completed("icmpd:e-x", "icmpd:p-x"))
    (row,) = await eventually(lambda: count_at_least(database_url, 1))
    return dict(row)


async def test_names_and_titles_with_markup_quotes_and_bidi_controls_are_certified(
    js, service, database_url
):
    row = await issued_one(js, database_url, given_name=GIVEN, family_name=FAMILY)
    credential = json.loads(row["credential"])
    assert credential["name"] == TITLE
    assert credential["credentialSubject"]["identifier"][1]["identityHash"] == f"{GIVEN} {FAMILY}"
    async with client(service) as http:
        assert (await http.post("/verify", json=credential)).json()["status"] == "valid"
        page = (await http.get(f"/verify/{row['verification_code']}")).json()
        assert page["status"] == "valid" and page["holder"] == f"{GIVEN} {FAMILY}"
    assert [m for m in await read_stream(js, "DEADLETTER")] == []


async def test_a_credential_is_served_at_its_random_url_and_never_at_its_sequential_id(
    js, service, database_url
):
    row = await issued_one(js, database_url)

    async def announced() -> list:  # the relay publishes after the row commits
        return [json.loads(m.data) for m in await read_stream(js, "CERTIFICATION")][:1]

    (issued,) = await eventually(announced)
    url_id = row["url_id"]
    assert len(url_id) >= 22 and row["certificate_id"] not in url_id  # 128 bits, base64url
    assert issued["data"]["credential_url"] == f"https://cohort.example.org/credentials/{url_id}"
    assert issued["data"]["pdf_url"] == f"https://cohort.example.org/credentials/{url_id}.pdf"
    async with client(service) as http:
        for guessed in (row["certificate_id"], "icmpd:cert-2023-000001", row["number"]):
            assert (await http.get(f"/credentials/{guessed}")).status_code == 404
            assert (await http.get(f"/credentials/{guessed}.pdf")).status_code == 404
        served = (await http.get(f"/credentials/{url_id}")).json()
        assert served["id"] == issued["data"]["credential_url"]
        page = (await http.get(f"/verify/{row['verification_code']}")).json()
        assert page["number"] == row["number"] and page["credential_url"].endswith(url_id)


async def test_a_blank_node_clique_is_refused_and_the_service_answers_meanwhile(
    js, service, monkeypatch
):
    entered, release = threading.Event(), threading.Event()
    spend = canon._spend

    def held() -> None:  # holds the hostile canonicalisation until the health check is in
        if not entered.is_set():
            entered.set()
            release.wait(60)
        spend()

    monkeypatch.setattr(canon, "_spend", held)
    async with client(service) as http:
        await http.get("/status-lists/icmpd")  # publishes the configured key
        issuer = (await http.get("/issuers/icmpd")).json()
        clique = events.blank_node_clique(issuer["id"], issuer["activeKey"], 8)
        hostile = asyncio.ensure_future(http.post("/verify", json=clique))
        await asyncio.to_thread(entered.wait, 60)
        health = await http.get("/healthz")
        assert health.status_code == 200 and not hostile.done()
        release.set()
        refused = await hostile
    assert refused.status_code == 422
    assert "too complex" in refused.json()["detail"]


async def test_uploads_too_large_too_deep_or_not_an_object_are_refused(service):
    async with client(service) as http:
        big = {"@context": CREDENTIAL_CONTEXT, "padding": "x" * 70_000}
        assert (await http.post("/verify", json=big)).status_code == 413
        headers = {"content-type": "application/json"}
        deep = "[" * 30_000 + "]" * 30_000  # within the size limit, beyond any parser's depth
        too_deep = await http.post("/verify", content=deep, headers=headers)
        assert too_deep.status_code == 422 and "deep" in too_deep.json()["detail"]
        nested = '{"a":' * 5_000 + "1" + "}" * 5_000
        response = await http.post("/verify", content=nested, headers=headers)
        assert response.status_code == 422, response.text
        for body in ("[]", '"credential"', "not json", '{"proof": [1]}'):
            answer = await http.post("/verify", content=body, headers=headers)
            assert answer.status_code in (200, 422), (body, answer.status_code)
            assert answer.status_code == 200 or "detail" in answer.json()
