"""The notification service against real NATS, PostgreSQL, an SMTP server and an HTTP receiver."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from cohort_cli.embedded import free_port
from cohort_kit import Runtime
from cohort_notification.app import definition
from cohort_notification.settings import NotificationSettings

from tests import factories
from tests.harness import eventually, publish_event, publish_raw, quick_settings, read_stream, rows
from tests.notification.sinks import HttpReceiver, SmtpSink

pytestmark = pytest.mark.integration

FAR = date.today() + timedelta(days=400)  # reminders far in the future: not due in a test


def course() -> dict[str, Any]:
    return factories.course(
        "iom:emm2",
        title={"en": "Essentials of Migration Management", "fr": "Essentiels de la GM"},
        completion_rule=factories.completion_rule(pass_mark=None, evaluation_required=False),
    )


def session(sid: str = "iom:s-1", start: date = FAR, **over: Any) -> dict[str, Any]:
    dates = {"start_date": start.isoformat(), "end_date": (start + timedelta(days=4)).isoformat()}
    return factories.session(sid, **{**dates, "languages": ["fr", "ar"], **over})


def decision(type_: str, data: dict[str, Any]) -> dict[str, Any]:
    event = factories.envelope(type_, data)
    event["source"] = "cohort/enrolment"
    return event


SUBJECTS = {
    "enrolment.confirmed.v1": "enrolment.confirmed",
    "enrolment.waitlisted.v1": "enrolment.waitlisted",
    "enrolment.rejected.v1": "enrolment.rejected",
    "enrolment.cancelled.v1": "enrolment.cancelled",
    "certificate.issued.v1": "certification.issued",
    "participant.link_requested.v1": "enrolment.link_requested",
    "enrolment.completed.v1": "enrolment.completed",
}


async def publish(js, event: dict[str, Any]) -> None:
    """Publish on its subject, stamped now (today's changes wait for tomorrow's digest)."""
    event["time"] = datetime.now(UTC).isoformat()
    await publish_event(js, event, SUBJECTS.get(event["type"]))


async def confirmed_in_one_session(js: Any, people: int) -> None:
    """The course, its session and `people` participants (iom:p-0...), each confirmed."""
    await publish(js, course())
    await publish(js, session())
    for i in range(people):
        await publish(js, factories.participant(f"iom:p-{i}"))
        await publish(js, confirmed(f"iom:e-{i}", f"iom:p-{i}", i + 1))


def confirmed(eid: str, pid: str, seat: int, sid: str = "iom:s-1", promoted: bool = False):
    return decision(
        "enrolment.confirmed.v1",
        {
            "enrolment_id": eid,
            "session_id": sid,
            "participant_id": pid,
            "seat": seat,
            "promoted_from_waitlist": promoted,
        },
    )


def settings(
    nats_url: str, database_url: str, smtp_port: int, **extra: Any
) -> NotificationSettings:
    values: dict[str, Any] = {
        "relay_poll_seconds": 0.1,
        "retry_max_delay_seconds": 0.3,
        "retry_window_seconds": 1.0,
        "smtp_port": smtp_port,
        "delivery_poll_seconds": 0.1,
        "retry_first_seconds": 0.2,
        "retry_cap_seconds": 0.5,
        "digest_poll_seconds": 0.2,
        "shutdown_grace_seconds": 2.0,
    }
    return quick_settings(NotificationSettings, nats_url, database_url, **{**values, **extra})


@pytest.fixture
async def smtp() -> AsyncIterator[SmtpSink]:
    sink = SmtpSink(free_port()).start()
    yield sink
    sink.stop()


@pytest.fixture
async def receiver() -> AsyncIterator[HttpReceiver]:
    r = HttpReceiver(free_port()).start()
    yield r
    r.stop()


class Service:
    """Starts and restarts the service in the test's event loop."""

    def __init__(self, s: NotificationSettings) -> None:
        self.settings = s
        self.runtime: Runtime | None = None

    async def start(self) -> Runtime:
        self.runtime = Runtime(definition, self.settings)
        await self.runtime.start()
        return self.runtime

    async def stop(self) -> None:
        if self.runtime is not None:
            await self.runtime.stop()
            self.runtime = None


@pytest.fixture
async def service(js, nats_url, database_url, smtp) -> AsyncIterator[Service]:
    svc = Service(settings(nats_url, database_url, smtp.port))
    await svc.start()
    yield svc
    await svc.stop()


async def deliveries(database_url: str) -> list[asyncpg.Record]:
    return await rows(database_url, "SELECT * FROM deliveries ORDER BY created_at, delivery_id")


def texts(msg) -> tuple[str, str]:
    plain = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    return plain, html


async def test_a_scenario_sends_exactly_the_expected_emails_in_the_right_languages(
    js, service, smtp, database_url
):
    await publish(js, course())
    await publish(js, session())
    people = {
        "iom:p-fr": factories.participant("iom:p-fr", preferred_language="fr"),
        "iom:p-ar": factories.participant("iom:p-ar", preferred_language="ar"),
        "iom:p-en": factories.participant("iom:p-en", preferred_language="en"),
        "iom:p-pt": factories.participant("iom:p-pt", preferred_language="pt"),
        "iom:p-no": factories.participant(
            "iom:p-no", preferred_language="en", consent={"contact": False, "statistics": True}
        ),
    }
    outcomes = [
        confirmed("iom:e-fr", "iom:p-fr", 1),
        confirmed("iom:e-ar", "iom:p-ar", 2),
        decision(
            "enrolment.waitlisted.v1",
            {
                "enrolment_id": "iom:e-en",
                "session_id": "iom:s-1",
                "participant_id": "iom:p-en",
                "position": 1,
            },
        ),
        decision(
            "enrolment.rejected.v1",
            {
                "enrolment_id": "iom:e-pt",
                "session_id": "iom:s-1",
                "participant_id": "iom:p-pt",
                "reason": "session_full",
            },
        ),
        confirmed("iom:e-no", "iom:p-no", 3),
        decision(
            "certificate.issued.v1",
            {
                "certificate_id": "iom:cert-1",
                "verification_code": "K7Q4-9MZD",
                "enrolment_id": "iom:e-no",
                "participant_id": "iom:p-no",
                "course_id": "iom:emm2",
                "session_id": "iom:s-1",
                "kind": "completion",
                "qualification": None,
                "issued_at": "2023-06-09T16:00:00+03:00",
                "credential_url": "https://cohort.example.org/credentials/iom:cert-1",
                "pdf_url": "http://127.0.0.1:1/unreachable.pdf",
            },
        ),
    ]
    for event in [*people.values(), *outcomes]:
        await publish(js, event)

    await eventually(lambda: _n(smtp, 5), timeout=30)
    by = {m["To"]: m for m in smtp.messages}
    assert len(smtp.messages) == 5 and len(by) == 5
    fr = by["iom.p-fr@example.org"]
    assert fr["Subject"].startswith("Votre place est confirmée")
    assert "Essentiels de la GM" in fr["Subject"]
    assert fr["Content-Language"] == "fr"
    assert [a.get_filename() for a in fr.iter_attachments()] == ["session.ics"]
    ics = next(fr.iter_attachments()).get_content()
    ics = ics.decode() if isinstance(ics, bytes) else ics
    assert "BEGIN:VEVENT" in ics and "DTSTART;TZID=Indian/Comoro" in ics
    ar = by["iom.p-ar@example.org"]
    assert ar["Subject"].startswith("تم تأكيد مقعدك")
    assert 'dir="rtl"' in texts(ar)[1]
    en = by["iom.p-en@example.org"]
    assert "waiting list (position 1)" in en["Subject"]
    pt = by["iom.p-pt@example.org"]  # no Portuguese: the session's first language, French
    assert pt["Content-Language"] == "fr" and "complètes" in texts(pt)[0]
    cert = by["iom.p-no@example.org"]  # refused contact: the certificate notice only
    assert cert["Subject"].strip().startswith("Your certificate")
    assert "K7Q4-9MZD" in texts(cert)[0]
    assert list(cert.iter_attachments()) == []  # PDF unreachable: link only
    assert len({m["Message-ID"] for m in smtp.messages}) == 5

    sent = await eventually(lambda: _events(js, "notification.sent", 5))
    assert {e["data"]["template"] for e in sent} == {
        "enrolment_confirmed",
        "enrolment_waitlisted",
        "enrolment_rejected",
        "certificate_issued",
    }
    assert all(e["data"]["channel"] == "email" for e in sent)
    rows = await deliveries(database_url)
    assert {r["status"] for r in rows} == {"sent"}


async def test_duplicates_and_a_restart_never_send_twice(js, service, smtp, database_url):
    await publish(js, course())
    await publish(js, session())
    await publish(js, factories.participant("iom:p-1"))
    event = confirmed("iom:e-1", "iom:p-1", 1)
    await publish(js, event)
    # The same event again as new stream messages, bypassing the duplicate window.
    for _ in range(2):
        await publish_raw(js, "enrolment.confirmed", json.dumps(event).encode())
    await eventually(lambda: _n(smtp, 1))
    await service.stop()
    await publish_raw(js, "enrolment.confirmed", json.dumps(event).encode())
    second = confirmed("iom:e-2", "iom:p-1", 2, sid="iom:s-2")
    await publish(js, session("iom:s-2"))
    await publish(js, second)
    await service.start()
    await publish_raw(js, "enrolment.confirmed", json.dumps(second).encode())
    await eventually(lambda: _n(smtp, 2))
    # Give the duplicates every chance to produce something.
    await eventually(lambda: _consumed(js, "notification-enrolment", 5))
    rows = await deliveries(database_url)
    assert len(smtp.messages) == 2 and len(rows) == 2
    assert sorted(r["cause_id"] for r in rows) == sorted([event["id"], second["id"]])


async def test_smtp_down_for_a_while_then_everything_is_delivered(js, nats_url, database_url):
    port = free_port()
    svc = Service(settings(nats_url, database_url, port))
    await svc.start()
    try:
        await confirmed_in_one_session(js, 3)

        async def retried():
            rows = await deliveries(database_url)
            return len(rows) == 3 and all(r["attempts"] >= 2 for r in rows)

        await eventually(retried)
        rows = await deliveries(database_url)
        assert {r["status"] for r in rows} == {"pending"}
        assert "Connect" in rows[0]["last_error"] or "refused" in rows[0]["last_error"].lower()
        sink = SmtpSink(port).start()
        try:
            await eventually(lambda: _n(sink, 3), timeout=20)
            rows = await eventually(lambda: _all_status(database_url, "sent"))
            assert len(sink.messages) == 3
            assert await _events(js, "notification.failed", 0) == []
        finally:
            sink.stop()
    finally:
        await svc.stop()


async def test_a_permanent_refusal_fails_without_retry(js, service, smtp, database_url):
    await publish(js, course())
    await publish(js, session())
    await publish(
        js, factories.participant("iom:p-b", email="bounce@example.org", preferred_language="en")
    )
    await publish(js, confirmed("iom:e-b", "iom:p-b", 1))
    failed = await eventually(lambda: _events(js, "notification.failed", 1))
    assert failed[0]["data"]["attempts"] == 1
    assert "550" in failed[0]["data"]["error"]
    rows = await deliveries(database_url)
    assert rows[0]["status"] == "failed" and rows[0]["attempts"] == 1


async def test_webhook_copies_are_signed_and_the_certificate_pdf_is_attached(
    js, nats_url, database_url, smtp, receiver
):
    svc = Service(
        settings(
            nats_url,
            database_url,
            smtp.port,
            webhook_urls={"iom": receiver.url + "/hook"},
            webhook_secret="test-webhook-s3cret",
        )
    )
    await svc.start()
    try:
        await publish(js, course())
        await publish(js, session())
        await publish(js, factories.participant("iom:p-1", preferred_language="en"))
        await publish(
            js,
            decision(
                "certificate.issued.v1",
                {
                    "certificate_id": "iom:cert-9",
                    "verification_code": "ABCD-1234",
                    "enrolment_id": "iom:e-1",
                    "participant_id": "iom:p-1",
                    "course_id": "iom:emm2",
                    "session_id": "iom:s-1",
                    "kind": "completion",
                    "qualification": None,
                    "issued_at": "2023-06-09T16:00:00+03:00",
                    "credential_url": "https://cohort.example.org/credentials/iom:cert-9",
                    "pdf_url": receiver.url + "/cert.pdf",
                },
            ),
        )
        await eventually(lambda: _n(smtp, 1))
        msg = smtp.messages[0]
        pdfs = [a for a in msg.iter_attachments() if a.get_filename() == "certificate.pdf"]
        assert pdfs and pdfs[0].get_content().startswith(b"%PDF")
        await eventually(lambda: _len(receiver.requests, 1))
        req = receiver.requests[0]
        headers = {k.lower(): v for k, v in req["headers"].items()}
        ts = headers["x-cohort-timestamp"]
        mac = hmac.new(
            b"test-webhook-s3cret", ts.encode() + b"." + req["body"], hashlib.sha256
        ).hexdigest()
        assert headers["x-cohort-signature"] == "sha256=" + mac
        assert json.loads(req["body"])["template"] == "certificate_issued"
    finally:
        await svc.stop()


async def test_reminders_fire_at_their_time_and_a_reschedule_moves_them(
    js, nats_url, database_url, smtp
):
    zone = ZoneInfo("Indian/Comoro")
    start_day = datetime.now(zone).date() + timedelta(days=2)
    start = datetime.combine(start_day, datetime.min.time().replace(hour=9), zone)
    now = datetime.now(UTC)
    # One reminder 3 s from now (instead of a day before), one long past (not scheduled).
    offsets = {
        "d1": (start - now).total_seconds() - 3,
        "d7": (start - now).total_seconds() + 3600,
    }
    svc = Service(settings(nats_url, database_url, smtp.port, reminder_offsets=offsets))
    await svc.start()
    try:
        await publish(js, course())
        await publish(js, session(start=start_day))
        await publish(js, session("iom:s-2", start=start_day))
        await publish(js, factories.participant("iom:p-1", preferred_language="en"))
        await publish(js, factories.participant("iom:p-2", preferred_language="en"))
        await publish(js, confirmed("iom:e-1", "iom:p-1", 1))
        await publish(js, confirmed("iom:e-2", "iom:p-2", 1, sid="iom:s-2"))
        await eventually(lambda: _n(smtp, 2))
        schedules = await eventually(lambda: _schedules(js, 2))  # only d1 for each: d7 has passed
        assert all(m.subject.endswith(".d1") for m in schedules)
        # s-2 moves one day later: its reminder moves too, the old one is void.
        await publish(
            js,
            factories.envelope(
                "session.rescheduled.v1",
                {
                    "session_id": "iom:s-2",
                    "start_date": (start_day + timedelta(days=1)).isoformat(),
                    "end_date": (start_day + timedelta(days=5)).isoformat(),
                },
            ),
        )
        await eventually(lambda: _n(smtp, 3))  # the reschedule notice
        fired = await eventually(lambda: _subjects_like(smtp, "Reminder", 1), timeout=15)
        assert fired[0]["To"] == "iom.p-1@example.org"
        await _sleep(2.0)
        assert len(await _subjects_like(smtp, "Reminder", 1) or []) == 1
        # The moved reminder waits in the stream for its new moment, one day later.
        pending = await _schedules(js, 1) or []
        moved = [m for m in pending if m.subject.endswith(".d1")]
        expected = (now + timedelta(days=1, seconds=3)).strftime("%Y-%m-%dT%H:%M")
        assert len(moved) == 1 and moved[0].headers["Nats-Schedule"].startswith("@at " + expected)
    finally:
        await svc.stop()


async def test_an_organiser_gets_one_digest_of_the_days_changes(js, nats_url, database_url, smtp):
    svc = Service(
        settings(
            nats_url, database_url, smtp.port, digest_include_today=True, digest_quiet_seconds=1
        )
    )
    await svc.start()
    try:
        await confirmed_in_one_session(js, 2)
        digests = await eventually(lambda: _to(smtp, "organiser@example.org"), timeout=20)
        assert len(digests) == 1
        assert digests[0]["Subject"].strip().startswith("Résumé quotidien")
        assert "Fatima Said Ali" in texts(digests[0])[0]
    finally:
        await svc.stop()


def completed(eid: str, pid: str, outcome: str = "completed") -> dict[str, Any]:
    return decision(
        "enrolment.completed.v1",
        {
            "enrolment_id": eid,
            "session_id": "iom:s-1",
            "participant_id": pid,
            "course_id": "iom:emm2",
            "outcome": outcome,
            "attendance_ratio": 1.0,
            "pre_score": 50,
            "post_score": 80,
        },
    )


async def test_each_completed_enrolment_is_asked_for_its_evaluation_once(js, service, smtp):
    await publish(js, course())
    await publish(js, session())
    for pid in ("iom:p-1", "iom:p-2"):
        await publish(js, factories.participant(pid))
    await publish(js, completed("iom:e-1", "iom:p-1"))
    await publish(js, completed("iom:e-2", "iom:p-2", outcome="attended"))
    await publish(js, completed("iom:e-1", "iom:p-1", outcome="attended"))  # a correction
    await eventually(lambda: _n(smtp, 2))
    await _sleep(1.5)
    assert len(smtp.messages) == 2
    assert {m["To"] for m in smtp.messages} == {"iom.p-1@example.org", "iom.p-2@example.org"}


def link_event(pid: str, link: str, *, cause: str | None = None, days: int = 30):
    """`participant.link_requested.v1` as enrolment puts it on ENROLMENT."""
    expires = datetime.now(UTC).replace(microsecond=0) + timedelta(days=days)
    event = decision(
        "participant.link_requested.v1",
        {"participant_id": pid, "link": link, "expires_at": expires.isoformat()},
    )
    event["subject"] = pid
    if cause is not None:
        event["causationid"] = cause
    return event


def certificate(cert_id: str, pid: str, eid: str) -> dict[str, Any]:
    return decision(
        "certificate.issued.v1",
        {
            "certificate_id": cert_id,
            "verification_code": "K7Q4-9MZD",
            "enrolment_id": eid,
            "participant_id": pid,
            "course_id": "iom:emm2",
            "session_id": "iom:s-1",
            "kind": "completion",
            "qualification": None,
            "issued_at": "2023-06-09T16:00:00+03:00",
            "credential_url": f"https://cohort.example.org/credentials/{cert_id}",
            "pdf_url": "http://127.0.0.1:1/unreachable.pdf",
        },
    )


def page(n: int) -> str:
    return f"https://cohort.example.org/me?token=v1.cDEK.{1900000000 + n}.mac{n}"


async def page_links(database_url: str) -> list[asyncpg.Record]:
    return await rows(database_url, "SELECT * FROM page_links ORDER BY event_id")


async def test_a_requested_page_link_is_emailed_once_in_the_participants_language(
    js, service, smtp, database_url
):
    # Arabic and refused contact: the link is sent anyway, the person asked for it.
    no_contact = {"contact": False, "statistics": True}
    await publish(
        js, factories.participant("iom:p-ar", preferred_language="ar", consent=no_contact)
    )
    await publish(js, factories.participant("iom:p-fr", preferred_language="fr"))
    asked = link_event("iom:p-ar", page(1))
    await publish(js, asked)
    for _ in range(2):  # the same event again, past the duplicate window
        await publish_raw(js, "enrolment.link_requested", json.dumps(asked).encode())
    await publish(js, link_event("iom:p-fr", page(2)))
    await publish(js, link_event("iom:p-fr", page(3), cause="some-confirmation-cause"))
    await publish(js, link_event("iom:p-ghost", page(4)))  # never registered here

    await eventually(lambda: _n(smtp, 2))
    await eventually(lambda: _consumed(js, "notification-enrolment", 6))
    await eventually(lambda: _page_link_rows(database_url, 4))  # the unknown one: kept, not sent
    by = {m["To"]: m for m in smtp.messages}
    assert len(smtp.messages) == 2 and set(by) == {"iom.p-ar@example.org", "iom.p-fr@example.org"}
    ar, fr = by["iom.p-ar@example.org"], by["iom.p-fr@example.org"]
    assert ar["Subject"].strip() == "صفحتك الشخصية" and ar["Content-Language"] == "ar"
    plain, html = texts(ar)
    assert f"صفحتك الشخصية: {page(1)} (صالح حتى" in plain
    assert 'dir="rtl"' in html and f'href="{page(1)}"' in html
    assert fr["Subject"].strip() == "Votre page personnelle"
    assert f"Votre page personnelle : {page(2)} (valable jusqu'au" in texts(fr)[0]
    assert page(3) not in texts(fr)[0]  # a link with a cause goes with another message
    assert list(ar.iter_attachments()) == [] and list(fr.iter_attachments()) == []
    rows = await deliveries(database_url)
    assert [(r["template"], r["session_id"]) for r in rows] == [("page_link", None)] * 2
    stored = {r["link"]: r["cause"] for r in await page_links(database_url)}
    assert stored == {
        page(1): None,
        page(2): None,
        page(3): "some-confirmation-cause",
        page(4): None,
    }


async def test_confirmations_and_certificate_notices_carry_the_page_link(
    js, nats_url, database_url, smtp
):
    # A window long enough to see the certificate notice wait for its link.
    svc = Service(settings(nats_url, database_url, smtp.port, retry_window_seconds=5.0))
    await svc.start()
    try:
        await publish(js, course())
        await publish(js, session())
        await publish(js, session("iom:s-2"))
        await publish(js, factories.participant("iom:p-1", preferred_language="en"))
        await publish(js, factories.participant("iom:p-2", preferred_language="fr"))
        # As enrolment does it: the link, then the confirmation, with the same causationid.
        first = confirmed("iom:e-1", "iom:p-1", 1)
        first["causationid"] = "request-1"
        await publish(js, link_event("iom:p-1", page(1), cause="request-1", days=40))
        await publish(js, first)
        await publish(js, confirmed("iom:e-2", "iom:p-2", 2))  # no link ever made for p-2
        await eventually(lambda: _n(smtp, 2))
        one = texts(smtp.to("iom.p-1@example.org")[0])
        assert f"Your trainings, materials and certificates: {page(1)}" in one[0]
        assert (
            f'<p><a href="{page(1)}">Your trainings, materials and certificates</a></p>' in one[1]
        )
        two = texts(smtp.to("iom.p-2@example.org")[0])
        assert "cohort.example.org/me" not in two[0] + two[1]
        assert "Vos formations, supports et certificats" not in two[0]

        # The certificate comes first (CERTIFICATION); its link later (ENROLMENT): it waits.
        cert = certificate("iom:cert-1", "iom:p-1", "iom:e-1")
        await publish(js, cert)
        await _sleep(0.5)
        assert len(smtp.messages) == 2
        await publish(js, link_event("iom:p-1", page(2), cause=cert["id"], days=60))
        # p-2 never had a link (no public base URL, say): sent at once, without waiting.
        await publish(js, certificate("iom:cert-2", "iom:p-2", "iom:e-2"))
        await eventually(lambda: _n(smtp, 4), timeout=4.5)
        notice = texts(_subject_of(smtp, "iom.p-1@example.org", "Your certificate"))
        assert f"Your page: {page(2)}" in notice[0] and f'href="{page(2)}"' in notice[1]
        other = texts(_subject_of(smtp, "iom.p-2@example.org", "Votre certificat"))
        assert "Votre page" not in other[0] and "cohort.example.org/me" not in other[0]

        # A promotion with no link of its own: the participant's longest-valid link.
        await publish(js, confirmed("iom:e-3", "iom:p-1", 1, sid="iom:s-2", promoted=True))
        await eventually(lambda: _n(smtp, 5))
        promoted = texts(_subject_of(smtp, "iom.p-1@example.org", "A place has become free"))
        assert f"Your trainings, materials and certificates: {page(2)}" in promoted[0]

        # Everything again: nothing is sent twice.
        for event in (first, cert):
            subject = SUBJECTS[event["type"]]
            await publish_raw(js, subject, json.dumps(event).encode())
        await eventually(lambda: _consumed(js, "notification-enrolment", 6))
        await eventually(lambda: _consumed_of(js, "CERTIFICATION", "notification-certificates", 3))
        await _sleep(0.3)
        assert len(smtp.messages) == 5 and len(await deliveries(database_url)) == 5
    finally:
        await svc.stop()


# --- helpers ---------------------------------------------------------------------------


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


async def _n(sink: SmtpSink, n: int) -> bool:
    return len(sink.messages) >= n


async def _len(items: list[Any], n: int) -> bool:
    return len(items) >= n


async def _to(sink: SmtpSink, address: str) -> list[Any]:
    return sink.to(address)


async def _subjects_like(sink: SmtpSink, prefix: str, n: int) -> list[Any] | None:
    found = [m for m in sink.messages if m["Subject"].strip().startswith(prefix)]
    return found if len(found) >= n else None


async def _events(js, subject: str, n: int) -> list[dict[str, Any]] | None:
    msgs = await read_stream(js, "NOTIFICATION", subject)
    events = [json.loads(m.data) for m in msgs]
    if n == 0:
        return events
    return events if len(events) >= n else None


async def _schedules(js, n: int) -> list[Any] | None:
    msgs = [
        m
        for m in await read_stream(js, "NOTIFICATION")
        if m.subject.startswith("notification.schedule.")
    ]
    return msgs if len(msgs) >= n else None


async def _consumed(js, durable: str, n: int) -> bool:
    info = await js.consumer_info("ENROLMENT", durable)
    return info.num_pending == 0 and info.num_ack_pending == 0 and info.delivered.stream_seq >= n


async def _all_status(database_url: str, status: str) -> bool:
    rows = await deliveries(database_url)
    return bool(rows) and all(r["status"] == status for r in rows)


async def _consumed_of(js, stream: str, durable: str, n: int) -> bool:
    info = await js.consumer_info(stream, durable)
    return info.num_pending == 0 and info.num_ack_pending == 0 and info.delivered.stream_seq >= n


async def _page_link_rows(database_url: str, n: int) -> bool:
    return len(await page_links(database_url)) >= n


def _subject_of(sink: SmtpSink, address: str, prefix: str) -> Any:
    found = [m for m in sink.to(address) if m["Subject"].strip().startswith(prefix)]
    assert len(found) == 1, [m["Subject"] for m in sink.to(address)]
    return found[0]
