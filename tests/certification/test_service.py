"""The certification service against a real NATS JetStream and a real PostgreSQL."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from cohort_certification import store
from cohort_certification.app import definition
from cohort_certification.settings import CertificationSettings
from cohort_kit import Runtime

from tests.auth import headers
from tests.certification import events
from tests.harness import (
    deadletters,
    eventually,
    publish_event,
    quick_settings,
    read_stream,
    rows,
    running,
)

pytestmark = pytest.mark.integration

KEY_SEED = "11" * 32


def settings(nats_url: str, database_url: str, **extra: Any) -> CertificationSettings:
    values: dict[str, Any] = {
        "retry_max_delay_seconds": 0.3,
        "retry_window_seconds": 30.0,
        "signing_keys": {"icmpd": KEY_SEED},
        "secret": "test-certification-secret",
    }
    return quick_settings(CertificationSettings, nats_url, database_url, **{**values, **extra})


@pytest.fixture
async def service(js, nats_url: str, database_url: str) -> AsyncIterator[Runtime]:
    async with running(definition, settings(nats_url, database_url)) as runtime:
        yield runtime


def client(runtime: Runtime, org: str | None = None) -> httpx.AsyncClient:
    """A caller of `org` (a real token), or nobody: verification routes are public."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=runtime.http_app),
        base_url="http://test",
        headers=headers(org) if org else {},
    )


async def certificates(database_url: str) -> list[asyncpg.Record]:
    return await rows(database_url, "SELECT * FROM certificates ORDER BY number")


async def count_at_least(database_url: str, n: int) -> list[asyncpg.Record] | None:
    rows = await certificates(database_url)
    return rows if len(rows) >= n else None


async def facts(js, *people: str, **course_over: Any) -> None:
    await publish_event(js, events.course(**course_over))
    await publish_event(js, events.session())
    for pid in people:
        await publish_event(js, events.person(pid))


async def stream_events(js, subject: str) -> list[dict]:
    return [json.loads(m.data) for m in await read_stream(js, "CERTIFICATION", subject)]


async def test_a_completion_is_certified_once_whatever_the_redeliveries(js, service, database_url):
    await facts(js, "icmpd:p-1")
    done = events.completed("icmpd:e-1", "icmpd:p-1")
    for _ in range(3):
        await events.publish_completion(js, done)
    await events.publish_completion(js, done, msg_id="bypass-dedup-window")
    # The enrolment service decided again (another event id) for the same enrolment.
    await events.publish_completion(js, events.completed("icmpd:e-1", "icmpd:p-1"))
    await events.publish_completion(js, events.completed("icmpd:e-2", "icmpd:p-1"))

    rows = await eventually(lambda: count_at_least(database_url, 2))
    issued = await eventually(
        lambda: _when(stream_events(js, "certification.issued"), lambda e: len(e) >= 2)
    )
    assert [r["number"] for r in rows] == ["ICMPD-2023-000001", "ICMPD-2023-000002"]
    # The completions wait for the participant (another consumer), so e-2 may be applied
    # before e-1's redelivery: one certificate each, numbered in the order issued.
    assert sorted(r["enrolment_id"] for r in rows) == ["icmpd:e-1", "icmpd:e-2"]
    assert [e["data"]["certificate_id"] for e in issued] == [r["certificate_id"] for r in rows]
    assert issued[0]["agency"] == "icmpd" and issued[0]["data"]["kind"] == "completion"
    assert await stream_events(js, "certification.trainer") == []

    async with client(service) as http:
        credential = (await http.get(f"/credentials/{rows[0]['url_id']}")).json()
        assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
        checked = (await http.post("/verify", json=credential)).json()
        assert checked["status"] == "valid", checked
        code = rows[0]["verification_code"]
        page = (await http.get(f"/verify/{code}")).json()
        assert page["status"] == "valid" and page["number"] == "ICMPD-2023-000001"
        assert (await http.get("/verify/ZZZZ-ZZZZ")).json()["status"] == "unknown"
        issuer = (await http.get("/issuers/icmpd")).json()
        assert credential["proof"]["verificationMethod"] in issuer["assertionMethod"]
        assert issuer["id"] == credential["issuer"]["id"]
        tampered = json.loads(json.dumps(credential))
        tampered["credentialSubject"]["identifier"][1]["identityHash"] = "Someone Else"
        assert (await http.post("/verify", json=tampered)).json()["status"] == "invalid"


async def test_a_completion_before_its_facts_waits_for_them(js, service, database_url):
    await events.publish_completion(js, events.completed("icmpd:e-early", "icmpd:p-early"))
    await facts(js, "icmpd:p-early")
    rows = await eventually(lambda: count_at_least(database_url, 1))
    assert rows[0]["enrolment_id"] == "icmpd:e-early"


async def test_training_of_trainers_certifies_a_trainer(js, service, database_url):
    await facts(js, "icmpd:trainer-1", certificate_kind="trainer", training_of_trainers=True)
    await events.publish_completion(js, events.completed("icmpd:e-t", "icmpd:trainer-1"))
    trainer = await eventually(
        lambda: _when(stream_events(js, "certification.trainer"), lambda e: len(e) == 1)
    )
    assert trainer[0]["data"]["trainer_id"] == "icmpd:trainer-1"
    assert trainer[0]["data"]["programme"] == "Reintegration"
    async with client(service, "agency:icmpd") as http:
        listed = (await http.get("/trainers", params={"programme": "Reintegration"})).json()
        assert [t["trainer_id"] for t in listed] == ["icmpd:trainer-1"]
        flagged = (await http.get("/sessions/uncertified-facilitators")).json()
        assert flagged == []
    async with client(service, "agency:iom") as http:  # another agency's trainers: none
        assert (await http.get("/trainers")).json() == []
    async with client(service) as http:
        assert (await http.get("/trainers")).status_code == 401


async def test_revocation_by_the_owner_only_and_it_verifies_as_revoked(js, service, database_url):
    await facts(js, "icmpd:p-r")
    await events.publish_completion(js, events.completed("icmpd:e-r", "icmpd:p-r"))
    (row,) = await eventually(lambda: count_at_least(database_url, 1))
    cid = row["certificate_id"]
    await publish_event(js, events.revocation(cid, agency="iom"))
    await publish_event(js, events.revocation(cid, reason="Issued to the wrong participant"))
    revoked = await eventually(
        lambda: _when(stream_events(js, "certification.revoked"), lambda e: len(e) == 1)
    )
    assert revoked[0]["data"] == {
        "certificate_id": cid,
        "reason": "Issued to the wrong participant",
    }
    dead = await deadletters(js)
    assert [d["reason"] for d in dead] == ["not_owner"]

    from cohort_certification.credentials import status_list

    async with client(service) as http:
        page = (await http.get(f"/verify/{row['verification_code']}")).json()
        assert page["status"] == "revoked" and page["reason"] == "Issued to the wrong participant"
        html = await http.get(
            f"/verify/{row['verification_code']}", headers={"accept": "text/html"}
        )
        assert 'data-status="revoked"' in html.text and html.status_code == 200
        credential = (await http.get(f"/credentials/{row['url_id']}")).json()
        assert (await http.post("/verify", json=credential)).json()["status"] == "revoked"
        listing = (await http.get("/status-lists/icmpd")).json()
        index = int(credential["credentialStatus"]["statusListIndex"])
        assert status_list.is_set(listing["credentialSubject"]["encodedList"], index)
        assert not status_list.is_set(listing["credentialSubject"]["encodedList"], index + 1)
        assert (await http.post("/verify", json=listing)).json()["status"] == "valid"


async def test_a_crash_between_signing_and_commit_leaves_no_trace(
    js, service, database_url, monkeypatch
):
    real = store.insert_certificate
    calls = {"n": 0}

    async def crash_once(con, row):
        calls["n"] += 1
        await real(con, row)  # signed and written, but the transaction will not commit
        if calls["n"] == 1:
            raise ConnectionResetError("process died before commit")

    monkeypatch.setattr(store, "insert_certificate", crash_once)
    await facts(js, "icmpd:p-c")
    await events.publish_completion(js, events.completed("icmpd:e-c", "icmpd:p-c"))
    rows = await eventually(lambda: count_at_least(database_url, 1))
    assert calls["n"] == 2
    assert [r["number"] for r in rows] == ["ICMPD-2023-000001"]
    assert rows[0]["status_index"] == 0
    issued = await eventually(
        lambda: _when(stream_events(js, "certification.issued"), lambda e: len(e) == 1)
    )
    assert issued[0]["data"]["certificate_id"] == rows[0]["certificate_id"]


async def test_two_replicas_issue_no_duplicate_certificate_or_number(js, nats_url, database_url):
    replicas = [Runtime(definition, settings(nats_url, database_url)) for _ in range(2)]
    for runtime in replicas:
        await runtime.start()
    try:
        people = [f"icmpd:p-{i:02d}" for i in range(24)]
        await facts(js, *people)
        for i, pid in enumerate(people):
            done = events.completed(f"icmpd:e-{i:02d}", pid)
            await events.publish_completion(js, done)
            await events.publish_completion(js, done, msg_id=events.new_id())  # a redelivery
        rows = await eventually(lambda: count_at_least(database_url, 24), timeout=40)
    finally:
        for runtime in replicas:
            await runtime.stop()
    assert len(rows) == 24
    assert sorted(r["number"] for r in rows) == [f"ICMPD-2023-{i:06d}" for i in range(1, 25)]
    assert len({r["enrolment_id"] for r in rows}) == 24
    assert len({r["verification_code"] for r in rows}) == 24
    assert sorted(r["status_index"] for r in rows) == list(range(24))
    assert sum(p.in_flight for r in replicas for p in r.processors) == 0


async def test_the_pdf_carries_name_number_and_a_qr_to_the_verification_page(
    js, service, database_url
):
    import pypdf
    import pypdfium2
    import zxingcpp

    await facts(js)
    await publish_event(js, events.person("icmpd:p-ar", given_name="مصطفى", family_name="محمود"))
    await events.publish_completion(js, events.completed("icmpd:e-ar", "icmpd:p-ar"))
    (row,) = await eventually(lambda: count_at_least(database_url, 1))
    async with client(service) as http:
        response = await http.get(f"/credentials/{row['url_id']}.pdf")
    assert response.headers["content-type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    page = reader.pages[0]
    assert page.mediabox.width > page.mediabox.height  # landscape
    text = page.extract_text()
    assert row["number"] in text and row["verification_code"] in text
    fonts = {str(f["/BaseFont"]) for f in page["/Resources"]["/Font"].values()}
    assert any("NotoSansArabic" in f for f in fonts), fonts
    image = pypdfium2.PdfDocument(response.content)[0].render(scale=3).to_pil()
    decoded = [r.text for r in zxingcpp.read_barcodes(image)]
    assert decoded == [f"https://cohort.example.org/verify/{row['verification_code']}"]


async def test_a_corrected_name_reissues_and_revokes_the_old_as_superseded(
    js, service, database_url
):
    await facts(js, "icmpd:p-n")
    await events.publish_completion(js, events.completed("icmpd:e-n", "icmpd:p-n"))
    (old,) = await eventually(lambda: count_at_least(database_url, 1))
    await publish_event(js, events.person("icmpd:p-n", family_name="Said-Ali"))
    rows = await eventually(lambda: count_at_least(database_url, 2))
    old, new = rows
    assert old["superseded_by"] == new["certificate_id"] and old["revoked_at"] is not None
    credential = json.loads(new["credential"])  # no JSON codec on this plain connection
    assert credential["credentialSubject"]["identifier"][1]["identityHash"] == ("Fatima Said-Ali")
    revoked = await eventually(
        lambda: _when(stream_events(js, "certification.revoked"), lambda e: len(e) == 1)
    )
    assert revoked[0]["data"]["certificate_id"] == old["certificate_id"]


async def _when(fetch, predicate):
    value = await fetch
    return value if predicate(value) else None
