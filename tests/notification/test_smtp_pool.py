"""E-mails reuse kept SMTP sessions: fewer sessions than messages, none lost, a session the
server dropped or a refused recipient costs no message."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from cohort_cli.embedded import free_port
from cohort_notification.channels import EmailChannel
from cohort_notification.domain import DeliveryError
from cohort_notification.settings import NotificationSettings

from tests.notification.sinks import SmtpSink

pytestmark = pytest.mark.integration


class CountingSink(SmtpSink):
    """Records the client port of each accepted message: one port per SMTP session."""

    def __init__(self, port: int) -> None:
        super().__init__(port)
        self.peers: list[Any] = []

    async def handle_DATA(self, server, session, envelope):
        self.peers.append(session.peer)
        return await super().handle_DATA(server, session, envelope)


def delivery(n: int, address: str | None = None) -> dict[str, Any]:
    return {
        "delivery_id": f"d-{n}",
        "address": address or f"person{n}@example.org",
        "subject": f"message {n}",
        "template": "test",
        "created_at": datetime.now(UTC),
        "body_text": "hello",
        "body_html": None,
        "attachments": [],
        "language": "en",
    }


@pytest.fixture
async def sink() -> AsyncIterator[CountingSink]:
    s = CountingSink(free_port())
    s.start()
    yield s
    s.stop()


@pytest.fixture
async def channel(sink: CountingSink) -> AsyncIterator[EmailChannel]:
    s = NotificationSettings(
        nats_url="nats://127.0.0.1:1",
        database_url="postgresql://unused/unused",
        smtp_port=sink.port,
        smtp_connections=3,
    )
    async with httpx.AsyncClient() as http:
        ch = EmailChannel(s, http)
        yield ch
        await ch.aclose()


async def test_concurrent_messages_share_a_few_kept_sessions(sink, channel):
    await asyncio.gather(*(channel.send(delivery(n)) for n in range(30)))

    assert len(sink.messages) == 30
    assert sorted(m["Subject"] for m in sink.messages) == sorted(f"message {n}" for n in range(30))
    assert channel.smtp.opened <= 3
    assert len(set(sink.peers)) == channel.smtp.opened


async def test_a_session_the_server_dropped_is_replaced_without_losing_the_message(sink, channel):
    await channel.send(delivery(1))
    sink.stop()  # the server goes away: the kept session is dead
    sink.start()
    await channel.send(delivery(2))

    assert [m["Subject"] for m in sink.messages] == ["message 1", "message 2"]
    assert channel.smtp.opened == 2


async def test_a_refused_recipient_fails_for_good_and_the_next_message_goes_out(sink, channel):
    with pytest.raises(DeliveryError) as refused:
        await channel.send(delivery(1, address="bounce@example.org"))
    assert refused.value.permanent
    await channel.send(delivery(2))

    assert [m["Subject"] for m in sink.messages] == ["message 2"]
