"""POST /v1/events against real NATS: every content mode, per-event verdicts, stored once."""

from __future__ import annotations

import json
from typing import Any

import httpx
import jwt
import pytest
from cloudevents.core.bindings.http import HTTPMessage
from cryptography.hazmat.primitives.asymmetric import ec

from tests import auth, factories
from tests.enrolment import builders as b
from tests.enrolment.conftest import decisions, wait_for
from tests.harness import publish_event
from tests.ingress.conftest import intake, intake_ids
from tests.ingress.sdk import batch, binary, structured

pytestmark = pytest.mark.integration


async def post(http: httpx.AsyncClient, msg: HTTPMessage, org: str = "agency:iom"):
    headers = {**msg.headers, **auth.headers(org)}
    return await http.post("/v1/events", content=msg.body, headers=headers)


async def assert_stored(js: Any, answer: httpx.Response) -> None:
    """After a 2xx, INTAKE holds (once) every event the answer reports stored."""
    assert 200 <= answer.status_code < 300
    body = answer.json()
    results = body["results"] if "results" in body else [body]
    ids = await intake_ids(js)
    for r in results:
        if r["status"] in ("accepted", "duplicate"):
            assert ids.count(r["id"]) == 1, (r, ids)


def scenario(tag: str) -> list[dict[str, Any]]:
    """A session of 2 seats and 1 waitlist place, and 4 requests for it."""
    cid, sid = f"iom:c-{tag}", f"iom:s-{tag}"
    people = [b.participant(f"iom:p-{tag}-{n}") for n in range(1, 5)]
    requests = [b.request(f"iom:e-{tag}-{n}", f"iom:p-{tag}-{n}", sid) for n in range(1, 5)]
    return [
        b.course(cid),
        b.session(sid, course_id=cid, capacity=2, waitlist=1),
        *people,
        *requests,
    ]


def outcome(decided: list[dict[str, Any]], tag: str) -> list[tuple[str, str]]:
    """(type, request number) of the decisions about one scenario, in order."""
    prefix = f"iom:e-{tag}-"
    return [
        (e["type"], e["subject"][len(prefix) :]) for e in decided if e["subject"].startswith(prefix)
    ]


async def test_structured_batched_and_binary_events_are_stored_once_and_decided_as_over_nats(
    js, ingress, http, service
):
    over_http = scenario("h")
    course, session, *rest = over_http
    answers = [
        await post(http, structured(course)),
        await post(http, binary(session)),
        await post(http, batch(rest)),
    ]
    assert [a.status_code for a in answers] == [202, 202, 200]
    for a in answers:
        await assert_stored(js, a)
    assert answers[0].json()["status"] == "accepted"
    assert [r["status"] for r in answers[2].json()["results"]] == ["accepted"] * 8
    stored = await intake(js)
    assert [e["id"] for e in stored] == [e["id"] for e in over_http]
    assert stored[1]["_subject"] == "intake.iom.session.scheduled"
    assert stored[1]["data"] == session["data"]  # binary mode arrives as the same event

    for event in scenario("n"):
        await publish_event(js, event)
    await wait_for(js, 8)
    decided = await decisions(js)
    assert outcome(decided, "h") == outcome(decided, "n")
    assert [t.split(".")[1] for t, _ in outcome(decided, "h")] == [
        "confirmed",
        "confirmed",
        "waitlisted",
        "rejected",
    ]

    again = [await post(http, structured(course)), await post(http, batch(rest))]
    assert again[0].status_code == 202 and again[0].json()["status"] == "duplicate"
    assert {r["status"] for r in again[1].json()["results"]} == {"duplicate"}
    for a in again:
        await assert_stored(js, a)
    ids = await intake_ids(js)
    assert len(ids) == len(set(ids)) == 20


async def test_a_mixed_batch_stores_the_valid_events_in_order_and_names_each_rejection(
    js, ingress, http
):
    good = [factories.participant(f"iom:p-{n}") for n in range(3)]
    spoofed = factories.participant("icmpd:p-9", agency="icmpd")
    bad_schema = factories.participant("iom:p-8")
    bad_schema["data"]["sex"] = "sometimes"
    unknown = factories.envelope("participant.teleported.v1", {}, agency="iom")
    future = factories.envelope("participant.registered.v9", {}, agency="iom")
    network = factories.envelope("enrolment.confirmed.v1", {}, agency="iom")
    no_id = factories.participant("iom:p-7")
    del no_id["id"]
    items: list[Any] = [
        good[0],
        spoofed,
        bad_schema,
        good[1],
        unknown,
        future,
        network,
        no_id,
        "text",
        good[2],
    ]
    msg = HTTPMessage(
        headers={"content-type": "application/cloudevents-batch+json"},
        body=json.dumps(items).encode(),
    )
    answer = await post(http, msg)
    assert answer.status_code == 200
    await assert_stored(js, answer)
    results = answer.json()["results"]
    assert [r["index"] for r in results] == list(range(10))
    assert [(r["status"], (r.get("error") or {}).get("code")) for r in results] == [
        ("accepted", None),
        ("rejected", "agency_mismatch"),
        ("rejected", "schema_violation"),
        ("accepted", None),
        ("rejected", "unknown_type"),
        ("rejected", "unsupported_version"),
        ("rejected", "wrong_subject"),
        ("rejected", "malformed_envelope"),
        ("rejected", "malformed_envelope"),
        ("accepted", None),
    ]
    assert answer.json()["failed_count"] == 7
    assert results[1]["error"]["retryable"] is False
    assert await intake_ids(js) == [g["id"] for g in good]  # nothing else, in order


async def test_a_single_invalid_event_is_a_problem_with_the_dead_letter_reason(js, ingress, http):
    bad = factories.participant("iom:p-1")
    bad["data"]["email"] = 42
    answer = await post(http, structured(bad))
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["reason"] == "schema_violation"
    garbage = HTTPMessage({"content-type": "application/cloudevents+json"}, b"{not json")
    answer = await post(http, garbage)
    assert (answer.status_code, answer.json()["reason"]) == (400, "not_json")
    assert await intake_ids(js) == []


async def test_posting_for_another_agency_is_refused_and_stores_nothing(js, ingress, http):
    theirs = factories.participant("icmpd:p-1", agency="icmpd")
    answer = await post(http, structured(theirs), org="agency:iom")
    assert answer.status_code == 403
    assert answer.json()["reason"] == "agency_mismatch"
    answer = await post(http, batch([theirs]), org="agency:iom")
    assert answer.json()["results"][0]["error"]["code"] == "agency_mismatch"
    assert await intake_ids(js) == []
    answer = await post(http, structured(theirs), org="agency:icmpd")
    assert answer.status_code == 202
    assert (await intake(js))[0]["_subject"] == "intake.icmpd.participant.registered"


async def test_no_token_a_bad_token_or_a_non_agency_token_is_refused(js, ingress, http, issuer):
    msg = structured(factories.participant("iom:p-1"))
    answer = await http.post("/v1/events", content=msg.body, headers=msg.headers)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Bearer")
    assert answer.headers["content-type"] == "application/problem+json"
    forged = jwt.encode(  # the issuer's key id, another key: the signature does not verify
        jwt.decode(issuer.mint("agency:iom"), options={"verify_signature": False}),
        ec.generate_private_key(ec.SECP256R1()),
        algorithm="ES256",
        headers={"kid": issuer.kid},
    )
    for token in (
        "not-a-jwt",
        issuer.mint("agency:iom", lifetime=-3600),
        forged,
        issuer.mint("agency:iom", aud="someone-else"),
    ):
        headers = {**msg.headers, "Authorization": f"Bearer {token}"}
        answer = await http.post("/v1/events", content=msg.body, headers=headers)
        assert answer.status_code == 401, token
    answer = await post(http, msg, org="ministry:NER")
    assert answer.status_code == 403
    assert await intake_ids(js) == []


async def test_limits_are_published_and_enforced(js, ingress, http):
    limits = (await http.get("/v1/limits")).json()
    assert limits["max_batch_events"] == 100
    openapi = (await http.get("/openapi.json")).json()
    assert openapi["paths"]["/v1/events"]["post"]["x-cohort-limits"] == limits
    too_many = [factories.participant(f"iom:p-{n}") for n in range(101)]
    assert (await post(http, batch(too_many))).status_code == 413
    huge = factories.participant("iom:p-1", given_name="x" * (300 * 1024))
    assert (await post(http, structured(huge))).status_code == 413
    text = HTTPMessage({"content-type": "text/plain"}, b"hello")
    answer = await post(http, text)
    assert answer.status_code == 415
    assert answer.headers["content-type"] == "application/problem+json"
    not_array = HTTPMessage({"content-type": "application/cloudevents-batch+json"}, b"{}")
    assert (await post(http, not_array)).status_code == 400
    assert await intake_ids(js) == []
    empty = await post(http, batch([]))
    assert (empty.status_code, empty.json()["results"]) == (200, [])
    slash = await http.post("/v1/events/", content=b"{}", headers=auth.headers("agency:iom"))
    assert not 300 <= slash.status_code < 400


async def test_an_agency_over_its_rate_is_told_when_to_come_back_and_nothing_is_stored(
    js, nats_url
):
    from cohort_ingress.runtime import Ingress

    from tests.ingress.conftest import client_for, settings

    limited = Ingress(settings(nats_url, rate_limit_per_minute=5))
    await limited.start()
    try:
        async with client_for(limited) as http:
            events = [factories.participant(f"iom:p-{n}") for n in range(6)]
            answer = await post(http, batch(events))
            assert answer.status_code == 429
            assert answer.headers["content-type"] == "application/problem+json"
            assert 1 <= int(answer.headers["retry-after"]) <= 60
            assert await intake_ids(js) == []
            assert (await post(http, batch(events[:5]))).status_code == 200
            other = factories.participant("icmpd:p-1", agency="icmpd")
            assert (await post(http, structured(other), org="agency:icmpd")).status_code == 202
    finally:
        await limited.stop()


def test_every_ingress_route_declares_who_may_call_it_as_the_docs_say():
    from cohort_ingress.runtime import Ingress
    from cohort_ingress.settings import IngressSettings
    from cohort_kit.auth import route_table, undeclared_routes

    from tests.operations.test_route_rules import ROOT

    app = Ingress(IngressSettings()).http_app
    assert undeclared_routes(app) == []
    docs = (ROOT / "docs" / "security.md").read_text()
    for methods, path, rule in route_table(app):
        assert f"| ingress | `{methods} {path}` | {rule} |" in docs, (methods, path)
