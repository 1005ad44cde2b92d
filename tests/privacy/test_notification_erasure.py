"""Notification after an erasure, against real PostgreSQL and a real SMTP server.

Events are applied by the service's own handlers (as its consumers would, with the inbox);
the delivery worker sends to an SMTP sink. A delivery already claimed when the erasure
commits is dropped, never sent; an organiser's digest names an erased person with a
neutral label in the digest's language, never "None None".
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from cohort_cli.embedded import free_port
from cohort_contracts import REGISTRY
from cohort_kit.rebuild import apply
from cohort_notification import store
from cohort_notification.app import definition
from cohort_notification.digest import ERASED_LABEL, make_digests
from cohort_notification.notifier import Notifier
from cohort_notification.settings import NotificationSettings
from cohort_notification.worker import DeliveryWorker

from tests import factories
from tests.harness import migrated_pool
from tests.notification.sinks import SmtpSink
from tests.privacy import history as h

pytestmark = pytest.mark.integration

PID = "iom:p-a"
ORGANISER = "organiser@iom-training.example"
DEFINITION = definition


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    async with migrated_pool(database_url, DEFINITION) as p:
        yield p


@pytest.fixture
def smtp() -> Any:
    sink = SmtpSink(free_port()).start()
    yield sink
    sink.stop()


def settings(smtp: SmtpSink, database_url: str) -> NotificationSettings:
    return NotificationSettings(
        database_url=database_url,
        smtp_port=smtp.port,
        digest_include_today=True,
        digest_quiet_seconds=0.0,
    )


def handler_context() -> dict[str, Any]:
    """What the live consumer hands its handlers: the dependencies built from settings."""
    s = NotificationSettings(database_url="postgresql://unused/unused")
    return {"deps": DEFINITION.build_deps(s), "settings": s}


async def applied(pool: asyncpg.Pool, durable: str, event: dict[str, Any]) -> None:
    """Apply one event through the consumer's router; fails if the handler refused it."""
    spec = REGISTRY.spec(event["type"])
    subject = (
        f"intake.{event['agency']}.{event['type'].rsplit('.', 1)[0]}"
        if spec.is_intake
        else spec.subject_for(event["agency"])
    )
    async with pool.acquire() as con, con.transaction():
        ok = await apply(
            con,
            "notification",
            durable,
            DEFINITION.routers[durable],
            subject,
            json.dumps(event).encode(),
            context=handler_context(),
        )
    assert ok, event["type"]


async def intake(pool: asyncpg.Pool, event: dict[str, Any]) -> None:
    await applied(pool, "notification-intake", event)


async def decision(pool: asyncpg.Pool, type_: str, data: dict[str, Any], minutes: float) -> None:
    event = factories.envelope(type_, data, time=h.at(minutes), subject=data["enrolment_id"])
    await applied(pool, "notification-enrolment", event)


async def registered_and_confirmed(pool: asyncpg.Pool, languages: list[str]) -> None:
    session = h.session(h.FUTURE, h.FAR, 5, h.at(60 * 24 * 300))
    session["data"]["languages"] = languages
    for event in (h.course(), session, h.person(PID, 1)):
        await intake(pool, event)
    data = {"enrolment_id": "iom:e-a", "session_id": h.FUTURE, "participant_id": PID, "seat": 1}
    await decision(pool, "enrolment.confirmed.v1", data, 10)


async def deliveries(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    async with pool.acquire() as con:
        return await con.fetch(
            "SELECT * FROM deliveries WHERE participant_id = $1 ORDER BY delivery_id", PID
        )


@pytest.mark.parametrize("erase_between", [False, True])
async def test_a_delivery_claimed_before_the_erasure_is_dropped_not_sent(
    pool, smtp, database_url, erase_between
):
    """Claim (the lease commits), then the erasure commits, then the send step runs."""
    await registered_and_confirmed(pool, ["en"])
    worker = DeliveryWorker(pool, settings(smtp, database_url))
    try:
        async with pool.acquire() as con, con.transaction():
            claimed = await store.claim(con, 50, 120.0)
        mine = [d for d in claimed if d["participant_id"] == PID]
        assert mine and all(d["address"] == "zubeida1.private@mail.example.org" for d in mine)
        if erase_between:
            await intake(pool, h.erase(PID, 20))
        for d in claimed:
            await worker._deliver(d)
    finally:
        await worker.http.aclose()
    sent = smtp.to("zubeida1.private@mail.example.org")
    rows = await deliveries(pool)
    if not erase_between:  # the control: the same steps without the erasure do send
        assert sent and {r["status"] for r in rows} == {"sent"}
        return
    assert sent == []
    assert {r["status"] for r in rows} == {"cancelled"}
    assert all(r["address"] == "" and r["body_text"] == "" for r in rows)


async def test_a_claimed_delivery_whose_recipient_is_erased_is_cancelled_at_the_send_step(
    pool, smtp, database_url
):
    """Even a row the erasure did not cancel (erased person, row still pending) is dropped."""
    await registered_and_confirmed(pool, ["en"])
    async with pool.acquire() as con, con.transaction():
        claimed = await store.claim(con, 50, 120.0)
        await con.execute(
            "UPDATE participants SET erased_at = $2 WHERE participant_id = $1",
            PID,
            datetime.now(UTC),
        )
    worker = DeliveryWorker(pool, settings(smtp, database_url))
    try:
        for d in claimed:
            await worker._deliver(d)
    finally:
        await worker.http.aclose()
    assert smtp.to("zubeida1.private@mail.example.org") == []
    rows = await deliveries(pool)
    assert rows and {(r["status"], r["address"]) for r in rows} == {("cancelled", "")}


@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
async def test_an_erased_participant_appears_in_the_organisers_digest_with_a_neutral_label(
    pool, smtp, database_url, lang
):
    """Confirmed before the erasure, cancelled (withdrawn by it) after: both items show the
    label in the digest's language; no name, no "None"."""
    await registered_and_confirmed(pool, [lang])
    await intake(pool, h.erase(PID, 20))
    data = {
        "enrolment_id": "iom:e-a",
        "reason": "withdrawn",
        "session_id": h.FUTURE,
        "participant_id": PID,
    }
    await decision(pool, "enrolment.cancelled.v1", data, 21)
    n = Notifier(settings(smtp, database_url))
    assert await make_digests(pool, n) == 1
    async with pool.acquire() as con:
        digest = await con.fetchrow(
            "SELECT * FROM deliveries WHERE template = 'organiser_digest' AND recipient = $1",
            ORGANISER,
        )
    text = digest["body_text"] + (digest["body_html"] or "")
    assert "None" not in text and "[erased]" not in text
    assert "Zubeida1q" not in text and "Mchangama1w" not in text
    assert text.count(ERASED_LABEL[lang]) >= 2, text  # confirmed and cancelled, in text
    assert len(set(ERASED_LABEL.values())) == 3


async def test_the_digest_still_names_a_participant_who_was_not_erased(pool, smtp, database_url):
    await registered_and_confirmed(pool, ["en"])
    assert await make_digests(pool, Notifier(settings(smtp, database_url))) == 1
    async with pool.acquire() as con:
        text = await con.fetchval(
            "SELECT body_text FROM deliveries WHERE template = 'organiser_digest'"
        )
    assert "Zubeida1q Mchangama1w" in text and ERASED_LABEL["en"] not in text
