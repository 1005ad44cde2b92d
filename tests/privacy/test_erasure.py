"""Erasure across the whole network, against real NATS and PostgreSQL (issue 17).

Register, enrol, attend, certify, notify, report; then erase. Afterwards the person's
e-mail, phone and names are nowhere: not in any service's database, not in any stream,
not in the JetStream file store, not in the logs; the certificate still verifies, not
revoked; their future seat went to the waitlist; nothing more was sent to them.
"""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import structlog
from cohort_kit.logs import drop_personal_fields

from tests.auth import headers
from tests.harness import eventually, publish_event, read_stream
from tests.privacy import history as h
from tests.privacy.network import dump, network, stream_texts

pytestmark = pytest.mark.e2e

A, B = "iom:p-a", "iom:p-b"
STREAMS = ("INTAKE", "ENROLMENT", "CERTIFICATION", "NOTIFICATION", "REPORTS", "DEADLETTER")


def secrets_of(n: int) -> list[str]:
    """What must be gone: e-mail, phone, both names, the job title."""
    event = h.person("x", n)["data"]
    return [
        event["email"],
        event["phone"],
        event["given_name"],
        event["family_name"],
        event["position"],
    ]


def history() -> list[dict[str, Any]]:
    closes = h.at(60 * 24 * 28)
    return [
        h.course(),
        h.session(h.PAST, h.at(0).date() + timedelta(days=35), 5, closes),
        h.session(h.FUTURE, h.FAR, 1, h.at(60 * 24 * 300)),
        h.person(A, 1),
        h.person(B, 2),
        h.request("iom:e-a-past", A, h.PAST, 10),
        h.request("iom:e-a-future", A, h.FUTURE, 11),
        h.request("iom:e-b-future", B, h.FUTURE, 12),
        h.request("iom:e-b-past", B, h.PAST, 13),
        h.attended(A, "2023-06-05", 60 * 24 * 35),
        h.attended(A, "2023-06-06", 60 * 24 * 36),
        h.evaluation(A, "Zubeida1q says: the facilitators were excellent", 60 * 24 * 36 + 5),
        h.closed(h.PAST, 60 * 24 * 40),
    ]


async def types_in(js: Any, stream: str) -> list[str]:
    return [json.loads(m.data).get("type") for m in await read_stream(js, stream)]


async def completions(js: Any, agency: str = "iom") -> list[dict[str, Any]]:
    return [
        json.loads(m.data) for m in await read_stream(js, "PRIVACY", f"privacy.completed.{agency}")
    ]


def client(runtime: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=runtime.http_app), base_url="http://t"
    )


@pytest.fixture
def captured_logs():
    """The services' structured log lines of this test, rendered as in production (JSON)."""
    buffer = io.StringIO()
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            drop_personal_fields,
            structlog.processors.add_log_level,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        logger_factory=structlog.PrintLoggerFactory(buffer),
        cache_logger_on_first_use=False,
    )
    yield buffer
    structlog.reset_defaults()


async def test_an_erased_participant_is_nowhere_and_their_certificate_still_verifies(
    js, nats_url, pg_admin_dsn, servers_dir, captured_logs
):
    async with network(nats_url, pg_admin_dsn) as net:
        await net.start_worker(js)
        for event in history():
            await publish_event(js, event)
        mine = h.person("x", 1)["data"]["email"]

        async def certified():
            return "certificate.issued.v1" in await types_in(js, "CERTIFICATION")

        await eventually(certified, timeout=60)
        await eventually(lambda: _all_delivered(net, A, "certificate_issued"), timeout=60)
        await eventually(lambda: _has_messages(js, "REPORTS"), timeout=60)
        issued = next(
            json.loads(m.data)["data"]
            for m in await read_stream(js, "CERTIFICATION", "certification.issued")
        )
        async with client(net.runtimes["certification"]) as cert:
            held = (await cert.get(urlsplit(issued["credential_url"]).path)).json()
            controller = (await cert.get("/issuers/iom")).json()
        sent_before = len(net.smtp.to(mine))

        # The person asks IOM to forget them; ICMPD asks about someone it did not register.
        await publish_event(js, h.erase(A, 60 * 24 * 50))
        await publish_event(js, h.erase(B, 60 * 24 * 50 + 1, agency="icmpd"))
        try:
            done = await eventually(lambda: completions(js), timeout=60)
        except AssertionError:
            print("PRIVACY", [m.subject for m in await read_stream(js, "PRIVACY")])
            for m in await read_stream(js, "DEADLETTER"):
                r = json.loads(m.data)
                print("DL", r["service"], r["reason"], r["detail"][:300])
            for line in captured_logs.getvalue().splitlines():
                if "failed" in line or "error" in line:
                    print("LOG", line[:600])
            raise
        assert done[0]["data"]["participant_id"] == A
        assert set(done[0]["data"]["services"]) == {
            "enrolment",
            "certification",
            "notification",
            "reporting",
        }
        duties = done[0]["data"]["agency_must_erase"]
        assert {d["type"] for d in duties} == {
            "participant.registered.v1",
            "evaluation.submitted.v1",
        }

        # ICMPD's request was refused by every service and by the worker, with the reason.
        async def refused():
            records = [json.loads(m.data) for m in await read_stream(js, "DEADLETTER")]
            return {r["service"] for r in records if r["reason"] == "not_owner"}

        everyone = {"enrolment", "certification", "notification", "reporting", "privacy"}
        await eventually(lambda: _async_eq(refused(), everyone), timeout=60)

        # Their seat in the future session went to the waitlist; nothing was sent to them.
        async def promoted():
            for m in await read_stream(js, "ENROLMENT", "enrolment.confirmed"):
                d = json.loads(m.data)["data"]
                if d["enrolment_id"] == "iom:e-b-future" and d["promoted_from_waitlist"]:
                    return True
            return False

        await eventually(promoted, timeout=30)
        assert "iom:e-a-future" in [
            json.loads(m.data)["data"]["enrolment_id"]
            for m in await read_stream(js, "ENROLMENT", "enrolment.cancelled")
        ]
        await eventually(lambda: _notification_saw_cancellation(net), timeout=30)
        assert len(net.smtp.to(mine)) == sent_before

        # The certificate still verifies, not revoked; the register shows no name.
        async with client(net.runtimes["certification"]) as cert:
            presented = (await cert.post("/verify", json=held)).json()
            by_code = (await cert.get(f"/verify/{issued['verification_code']}")).json()
            gone = await cert.get(urlsplit(issued["credential_url"]).path)
        assert presented["status"] == "valid" and presented["signature"] is True
        assert by_code["status"] == "valid" and by_code["holder"] is None
        assert gone.status_code == 410
        _independent_verifier_accepts(held, controller)

        # Nowhere: databases, streams, file store, logs.
        secrets = secrets_of(1)
        for service, url in net.databases.items():
            text = await dump(url)
            where = [line[:300] for line in text.splitlines() if any(s in line for s in secrets)]
            assert not where, f"{service} still holds them: {where}"
        for stream in STREAMS:
            for text in await stream_texts(js, stream):
                assert not [s for s in secrets if s in text], f"{stream}: {text[:300]}"
        # B, whom nobody erased, is still there: the check above could fail.
        assert h.person("x", 2)["data"]["email"] in await dump(net.databases["notification"])
    store = servers_dir / "nats" / "jetstream"
    if store.is_dir():
        blob = b"".join(p.read_bytes() for p in Path(store).rglob("*") if p.is_file())  # noqa: ASYNC240
        assert blob, "the file store is empty: wrong directory"
        assert not [s for s in secrets if s.encode() in blob]
        assert h.person("x", 2)["data"]["email"].encode() in blob
    logs = captured_logs.getvalue()
    assert "participant forgotten" in logs
    assert not [s for s in secrets if s in logs]


async def test_a_duplicate_request_ends_in_the_same_state(js, nats_url, pg_admin_dsn):
    async with network(nats_url, pg_admin_dsn) as net:
        await net.start_worker(js)
        for event in history():
            await publish_event(js, event)
        await eventually(lambda: _has_messages(js, "CERTIFICATION"), timeout=60)
        await eventually(lambda: _quiet(js, net), timeout=60)
        # Right of access: each service tells IOM what it holds about A; ICMPD gets nothing.
        mine = h.person("x", 1)["data"]["email"]
        document = {}
        for name, runtime in net.runtimes.items():
            async with client(runtime) as http:
                answer = await http.get(f"/privacy/participants/{A}", headers=headers("agency:iom"))
                refused = await http.get(
                    f"/privacy/participants/{A}", headers=headers("agency:icmpd")
                )
                anonymous = await http.get(f"/privacy/participants/{A}")
            assert answer.status_code == 200, name
            assert refused.status_code == 404 and anonymous.status_code == 401, name
            document[name] = answer.json()
        assert mine in json.dumps(document["notification"])
        assert document["certification"]["certificates"]
        assert document["enrolment"]["enrolments"]
        await publish_event(js, h.erase(A, 60 * 24 * 50))
        await eventually(lambda: completions(js), timeout=60)
        await eventually(lambda: _notification_saw_cancellation(net), timeout=30)
        await eventually(lambda: _quiet(js, net), timeout=60)
        before = {s: await _state(url) for s, url in net.databases.items()}
        await publish_event(js, h.erase(A, 60 * 24 * 51, reason="consent_withdrawn"))
        second = await eventually(lambda: _async_len(completions(js), 2), timeout=60)
        assert second[1]["data"]["redacted"] == []  # nothing left to redact
        await eventually(lambda: _quiet(js, net), timeout=60)
        after = {s: await _state(url) for s, url in net.databases.items()}
        for service in before:
            for table in before[service]:
                if table in PUBLISHED_LATER:  # reporting's own clock may publish meanwhile:
                    # what was published stays as it was; later reports may be added
                    assert set(before[service][table]) <= set(after[service][table]), table
                    continue
                assert after[service][table] == before[service][table], f"{service}.{table}"


# Published by reporting's periodic task on the wall clock, not by the erasure.
PUBLISHED_LATER = ("r_published", "r_published_report")


# --- helpers ---------------------------------------------------------------------------------


async def _async_eq(awaitable: Any, expected: Any) -> bool:
    return (await awaitable) == expected


async def _async_len(awaitable: Any, n: int) -> Any:
    value = await awaitable
    return value if len(value) >= n else None


async def _quiet(js: Any, net: Any) -> bool:
    """Every service consumer has handled everything and every outbox is relayed."""
    import asyncpg
    from cohort_contracts.streams import CONSUMERS

    for spec in CONSUMERS:
        if spec.durable in ("reporting-ticks", "privacy-requests"):
            continue
        info = await js.consumer_info(spec.stream, spec.durable)
        if info.num_pending or info.num_ack_pending:
            return False
    for url in net.databases.values():
        con = await asyncpg.connect(url)
        try:
            if await con.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL"):
                return False
        finally:
            await con.close()
    return True


async def _has_messages(js: Any, stream: str) -> bool:
    return (await js.stream_info(stream)).state.messages > 0


async def _all_delivered(net: Any, pid: str, template: str) -> bool:
    """The template went out to the participant and nothing of theirs is pending."""
    import asyncpg

    con = await asyncpg.connect(net.databases["notification"])
    try:
        rows = await con.fetch(
            "SELECT template, status FROM deliveries WHERE participant_id = $1", pid
        )
    finally:
        await con.close()
    sent = {r["template"] for r in rows if r["status"] == "sent"}
    return template in sent and all(r["status"] != "pending" for r in rows)


async def _notification_saw_cancellation(net: Any) -> bool:
    import asyncpg

    con = await asyncpg.connect(net.databases["notification"])
    try:
        status = await con.fetchval(
            "SELECT status FROM enrolments WHERE enrolment_id = 'iom:e-a-future'"
        )
        return status == "cancelled"
    finally:
        await con.close()


async def _state(url: str) -> dict[str, list[str]]:
    """The domain tables (not the inbox, outbox or bookkeeping) as sorted text rows."""
    import asyncpg

    con = await asyncpg.connect(url)
    try:
        tables = [
            r["tablename"]
            for r in await con.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            if r["tablename"] not in ("inbox", "outbox", "cohort_migrations", "r_provenance")
        ]
        return {
            t: sorted(r["row"] for r in await con.fetch(f'SELECT t::text AS row FROM "{t}" t'))
            for t in tables
        }
    finally:
        await con.close()


def _independent_verifier_accepts(credential: dict[str, Any], controller: dict[str, Any]) -> None:
    """The holder's copy verifies in the Digital Bazaar stack when it is installed."""
    import shutil

    from tests.certification.test_independent_verifier import JS, js_verify

    node = shutil.which("node")
    if not node or not (JS / "node_modules").is_dir():
        return  # tests/certification/test_independent_verifier.py installs and covers it
    result = js_verify(node, credential, {credential["issuer"]["id"]: controller})
    assert result == {"verified": True, "error": None}
