"""Reminders are consumed under the kit's policy, like every other message."""

from __future__ import annotations

import pytest
from cohort_cli.embedded import free_port
from cohort_kit import Runtime
from cohort_kit.deadletter import read_parked
from cohort_notification.app import definition

from tests.harness import eventually, publish_raw
from tests.notification.test_service import settings

pytestmark = pytest.mark.integration


async def test_an_unusable_reminder_is_dead_lettered_not_terminated(js, nats_url, database_url):
    runtime = Runtime(definition, settings(nats_url, database_url, free_port()))
    await runtime.start()
    try:
        await publish_raw(js, "notification.reminder.due", b'{"not": "a reminder"}')

        async def parked() -> list | None:
            found = [
                p for p in await read_parked(js) if p.record["consumer"] == "notification-reminders"
            ]
            return found or None

        [record] = await eventually(parked, timeout=20)
    finally:
        await runtime.stop()
    assert record.record["reason"] == "malformed_envelope"
    assert record.record["subject"] == "notification.reminder.due"
