"""One agency cannot touch another's training: the four services against real NATS and
PostgreSQL, each in its own database, with an SMTP sink, attacked as an agency would.

IOM runs a training to the end (two certificates e-mailed); then ICMPD publishes, on its own
intake subjects, events naming IOM's course, session, participants, enrolments and
certificate. Every service dead-letters each of them `not_owner`, and nothing follows: no
e-mail, no event, no report figure, no certificate.
"""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import pytest
from cohort_certification.app import definition as certification
from cohort_certification.settings import CertificationSettings
from cohort_cli.embedded import free_port
from cohort_contracts import REGISTRY, streams
from cohort_enrolment.app import definition as enrolment
from cohort_kit import Runtime
from cohort_notification.app import definition as notification
from cohort_notification.settings import NotificationSettings
from cohort_reporting.app import definition as reporting

from tests import factories
from tests.conftest import fresh_database
from tests.enrolment import builders as b
from tests.harness import eventually, publish_event, read_stream
from tests.notification.sinks import SmtpSink
from tests.reporting.conftest import reporting_settings

pytestmark = pytest.mark.integration

SERVICES = ("enrolment", "certification", "notification", "reporting")
ATTACKER = "mallory@attacker.example"
QUICK = {"relay_poll_seconds": 0.1, "retry_max_delay_seconds": 0.3, "log_level": "warning"}


@dataclass
class Network:
    js: Any
    smtp: SmtpSink
    databases: dict[str, str]
    attacks: dict[str, str] = field(default_factory=dict)  # event id -> subject

    async def publish(self, *events: dict[str, Any]) -> None:
        for event in events:
            await publish_event(self.js, event)

    async def attack(self, *events: dict[str, Any]) -> None:
        """Publish as ICMPD (on `intake.icmpd.>`, where its NATS account may publish)."""
        for event in events:
            event["agency"], event["source"] = "icmpd", "icmpd/attacker"
            self.attacks[event["id"]] = subject_of(event)
        await self.publish(*events)

    async def refused_everywhere(self) -> list[dict[str, Any]]:
        """Wait until every service has dead-lettered every attack its intake consumer
        receives (certification's filter leaves out what it has no use for)."""
        want = {
            (s, a) for s in SERVICES for a, subject in self.attacks.items() if receives(s, subject)
        }

        async def check() -> list[dict[str, Any]] | None:
            records = [json.loads(m.data) for m in await read_stream(self.js, "DEADLETTER")]
            got = {(r["service"], _event_id(r)) for r in records}
            return records if want <= got else None

        records = await eventually(check, timeout=60)
        for r in records:
            if _event_id(r) in self.attacks:
                assert r["reason"] == "not_owner", r
                assert "'icmpd'" in r["detail"] and "'iom'" in r["detail"], r["detail"]
        await eventually(self.settled, timeout=60)
        return records

    async def settled(self) -> bool:
        """Nothing pending or in flight on any consumer of any stream."""
        for stream in ("INTAKE", "ENROLMENT", "CERTIFICATION", "NOTIFICATION"):
            for info in await self.js.consumers_info(stream):
                if not info.name.startswith(SERVICES):  # e.g. the erasure worker's: not run here
                    continue
                if info.num_pending or info.num_ack_pending:
                    return False
        return True

    async def query(self, service: str, sql: str, *args: Any) -> list[asyncpg.Record]:
        con = await asyncpg.connect(self.databases[service])
        try:
            return await con.fetch(sql, *args)
        finally:
            await con.close()

    async def events(self, stream: str) -> list[dict[str, Any]]:
        return [json.loads(m.data) for m in await read_stream(self.js, stream)]

    async def caused_by_attacks(self) -> list[dict[str, Any]]:
        """Every event any service emitted with an attack anywhere in its chain."""
        found = []
        for stream in ("ENROLMENT", "CERTIFICATION", "NOTIFICATION", "REPORTS"):
            for e in await self.events(stream):
                if {e.get("causationid"), e.get("correlationid")} & set(self.attacks):
                    found.append(e)
        return found

    def mail_to(self, address: str) -> list[Any]:
        return self.smtp.to(address)


def subject_of(event: dict[str, Any]) -> str:
    return f"intake.{event['agency']}.{event['type'].rsplit('.', 1)[0]}"


def receives(service: str, subject: str) -> bool:
    """Whether the service's intake consumer is given messages on `subject`."""

    def match(pattern: str) -> bool:
        want, got = pattern.split("."), subject.split(".")
        for n, token in enumerate(want):
            if token == ">":
                return len(got) > n
            if n >= len(got) or token not in ("*", got[n]):
                return False
        return len(want) == len(got)

    return any(map(match, streams.consumer(f"{service}-intake").filter_subjects))


def _event_id(record: dict[str, Any]) -> str | None:
    try:
        return json.loads(base64.b64decode(record["body_base64"]))["id"]  # type: ignore[no-any-return]
    except ValueError:
        return None


@pytest.fixture
async def network(js, nats_url: str, pg_admin_dsn: str) -> AsyncIterator[Network]:
    smtp = SmtpSink(free_port()).start()
    async with contextlib.AsyncExitStack() as stack:
        dbs = {s: await stack.enter_async_context(fresh_database(pg_admin_dsn)) for s in SERVICES}
        runtimes = [
            Runtime(
                enrolment,
                b.settings(nats_url, dbs["enrolment"], link_secret="test-link-secret-of-ownership"),
            ),
            Runtime(
                certification,
                CertificationSettings(
                    nats_url=nats_url,
                    database_url=dbs["certification"],
                    http_port=0,
                    signing_keys={"iom": "11" * 32, "icmpd": "22" * 32},
                    secret="test-certification-secret-of-ownership",
                    public_base_url="http://127.0.0.1:9",  # PDF fetches fail at once
                    **QUICK,  # type: ignore[arg-type]
                ),
            ),
            Runtime(
                notification,
                NotificationSettings(
                    nats_url=nats_url,
                    database_url=dbs["notification"],
                    http_port=0,
                    smtp_port=smtp.port,
                    delivery_poll_seconds=0.1,
                    retry_first_seconds=0.2,
                    retry_cap_seconds=0.5,
                    shutdown_grace_seconds=2.0,
                    **QUICK,  # type: ignore[arg-type]
                ),
            ),
            Runtime(reporting, reporting_settings(nats_url, dbs["reporting"])),
        ]
        for runtime in runtimes:
            await runtime.start()
            stack.push_async_callback(runtime.stop)
        yield Network(js, smtp, dbs)
    smtp.stop()


def iom_people() -> list[str]:
    return ["iom:p-1", "iom:p-2"]


async def iom_training(net: Network) -> list[dict[str, Any]]:
    """IOM's training to the end: confirmed, attended, closed, certified and e-mailed."""
    await net.publish(
        b.course(min_attendance_ratio=0.8, pass_mark=None, evaluation_required=False),
        b.session(capacity=5),
    )
    for n, pid in enumerate(iom_people(), start=1):
        await net.publish(b.participant(pid), b.request(f"iom:e-{n}", pid))
    for pid in iom_people():
        await net.publish(*(b.attendance(pid, day) for day in range(1, 6)))
    await net.publish(b.closed())

    async def certificate_mails() -> list[dict[str, Any]] | None:
        sent = [
            e
            for e in await net.events("NOTIFICATION")
            if e["data"].get("template") == "certificate_issued"
        ]
        return sent if len(sent) == len(iom_people()) else None

    await eventually(certificate_mails, timeout=60)
    await eventually(net.settled, timeout=60)
    return [e for e in await net.events("CERTIFICATION") if e["type"] == "certificate.issued.v1"]


def foreign(type_: str, data: dict[str, Any]) -> dict[str, Any]:
    return factories.envelope(type_, data, agency="icmpd", time=b.at(60 * 24 * 41))


async def test_every_intake_type_about_another_agencys_training_is_refused_by_all_four_services(
    network: Network,
):
    certificates = await iom_training(network)
    mails_before = len(network.smtp.messages)
    await network.publish(factories.participant("icmpd:p-9", agency="icmpd"))
    course = b.course()
    course["data"]["title"] = {"en": "Forged"}
    session = b.session(capacity=50)
    session["data"]["country"] = "NER"
    ratings = dict.fromkeys(
        ("relevance", "will_improve_performance", "methodology", "content_quality"), 1
    )
    every_type = [
        course,
        session,
        foreign("session.rescheduled.v1", {"session_id": "iom:s-1", "venue": "Attacker Hall"}),
        foreign("session.cancelled.v1", {"session_id": "iom:s-1", "reason": "Call this number"}),
        foreign("session.closed.v1", {"session_id": "iom:s-1"}),
        factories.participant("iom:p-1", given_name="Mallory", family_name="Forged"),
        b.request("icmpd:e-9", "icmpd:p-9"),
        foreign("enrolment.withdrawn.v1", {"enrolment_id": "iom:e-1", "reason": "forged"}),
        b.attendance("iom:p-1", 1, present=False),
        b.assessment("iom:p-1", "post", 0),
        foreign("evaluation.submitted.v1", {"session_id": "iom:s-1", "ratings": ratings}),
        foreign(
            "certificate.revocation_requested.v1",
            {"certificate_id": certificates[0]["data"]["certificate_id"], "reason": "forged"},
        ),
        foreign(
            "participant.erasure_requested.v1",
            {"participant_id": "iom:p-1", "reason": "data_subject_request"},
        ),
    ]
    types = {e["type"] for e in every_type}
    assert types == {s.type for s in REGISTRY if s.is_intake}, "an intake type is not attacked"
    await network.attack(*every_type)

    records = await network.refused_everywhere()
    refusals = [r for r in records if _event_id(r) in network.attacks]
    assert {r["service"] for r in refusals} == set(SERVICES)
    for service in ("enrolment", "notification", "reporting"):  # they read all of intake
        assert len([r for r in refusals if r["service"] == service]) == len(every_type)
    assert await network.caused_by_attacks() == []
    assert len(network.smtp.messages) == mails_before
    live = await network.query(
        "certification", "SELECT count(*) FROM certificates WHERE revoked_at IS NULL"
    )
    assert live[0][0] == len(iom_people())


async def test_identity_takeover_reissues_nothing_and_mails_nothing_to_the_attacker(
    network: Network,
):
    await iom_training(network)
    await network.attack(
        factories.participant("iom:p-1", given_name="Mallory", family_name="Forged", email=ATTACKER)
    )
    await network.refused_everywhere()

    certs = await network.query(
        "certification", "SELECT number, revoked_at FROM certificates ORDER BY number"
    )
    assert len(certs) == 2 and all(c["revoked_at"] is None for c in certs)
    person = await network.query(
        "certification",
        """SELECT data->>'given_name' AS given, data->>'family_name' AS family
             FROM participants WHERE participant_id = 'iom:p-1'""",
    )
    assert tuple(person[0]) == ("Fatima", "Said Ali")
    mail = await network.query(
        "notification", "SELECT email FROM participants WHERE participant_id = 'iom:p-1'"
    )
    assert mail[0]["email"] == "iom.p-1@example.org"
    assert network.mail_to(ATTACKER) == []
    # IOM's own correction still goes through, and still reissues.
    correction = factories.participant("iom:p-1", given_name="Fatma")
    correction["time"] = b.at(60 * 24 * 50).isoformat()
    await network.publish(correction)
    reissued = await eventually(
        lambda: network.query(
            "certification", "SELECT number FROM certificates WHERE revoked_at IS NOT NULL"
        )
    )
    assert len(reissued) == 1


async def test_rescheduling_or_cancelling_another_agencys_session_sends_no_email(
    network: Network,
):
    await iom_training(network)
    before = len(network.smtp.messages)
    await network.attack(
        foreign(
            "session.rescheduled.v1",
            {"session_id": "iom:s-1", "venue": "Attacker Hall, call +1 555 0100"},
        ),
        foreign("session.cancelled.v1", {"session_id": "iom:s-1", "reason": "Pay a fee"}),
    )
    await network.refused_everywhere()

    assert len(network.smtp.messages) == before
    templates = {e["data"]["template"] for e in await network.events("NOTIFICATION")}
    assert not templates & {"session_rescheduled", "session_cancelled"}
    session = await network.query(
        "notification", "SELECT venue, status FROM sessions WHERE session_id = 'iom:s-1'"
    )
    assert session[0]["status"] != "cancelled" and "Attacker" not in str(session[0]["venue"])
    seats = await network.query("enrolment", "SELECT status FROM enrolments ORDER BY enrolment_id")
    assert [s["status"] for s in seats] == ["confirmed", "confirmed"]


async def test_another_agency_cannot_move_a_session_or_rate_it_in_the_reports(network: Network):
    await iom_training(network)
    moved = b.session(capacity=5)
    moved["data"].update(country="NER", mode="online")
    ratings = dict.fromkeys(
        ("relevance", "will_improve_performance", "methodology", "content_quality"), 1
    )
    anonymous = [
        foreign("evaluation.submitted.v1", {"session_id": "iom:s-1", "ratings": ratings})
        for _ in range(6)
    ]
    await network.attack(moved, *anonymous)
    await network.refused_everywhere()

    rows = await network.query(
        "reporting", "SELECT country, mode, agency FROM r_session WHERE session_id = 'iom:s-1'"
    )
    assert [tuple(r) for r in rows] == [("COM", "in_person", "iom")]
    assert await network.query("reporting", "SELECT * FROM r_evaluation") == []


async def test_the_first_agency_to_publish_an_id_owns_it_whatever_its_namespace(
    network: Network,
):
    """Without a namespace the stream order decides, the same way in every service."""
    await network.publish(factories.participant("p-plain"))  # IOM first
    squat = factories.participant("q-plain", agency="icmpd")  # ICMPD first
    await network.publish(squat)
    late = factories.participant("q-plain", given_name="Late")
    await network.publish(late)  # IOM second: refused
    network.attacks[late["id"]] = subject_of(late)
    stolen = factories.participant("p-plain", given_name="Mallory")
    await network.attack(stolen)

    async def refused() -> set[tuple[str, str]] | None:
        records = [json.loads(m.data) for m in await read_stream(network.js, "DEADLETTER")]
        got = {(r["service"], _event_id(r)) for r in records if r["reason"] == "not_owner"}
        want = {(s, e["id"]) for s in SERVICES for e in (late, stolen)}
        return got if want <= got else None

    await eventually(refused, timeout=60)
    await eventually(network.settled, timeout=60)
    owners = set()
    for service in SERVICES:
        rows = await network.query(
            service, "SELECT kind, entity_id, agency FROM ownership WHERE kind <> 'certificate'"
        )
        owners.add(frozenset(tuple(r) for r in rows))
    assert owners == {
        frozenset({("participant", "p-plain", "iom"), ("participant", "q-plain", "icmpd")})
    }, "the services disagree on who owns what"
    names = await network.query(
        "certification", "SELECT participant_id, data->>'given_name' AS g FROM participants"
    )
    assert sorted(tuple(r) for r in names) == [("p-plain", "Fatima"), ("q-plain", "Fatima")]
