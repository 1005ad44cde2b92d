"""An e-mail the SMTP server accepted is recorded once the database is back, not resent.

The delivery worker keeps the outcome in memory while PostgreSQL is away (a restart, a
failover) and writes it as soon as it can, as long as its lease on the delivery lasts."""

from __future__ import annotations

import time
from typing import Any

import asyncpg
import pytest
from cohort_notification.settings import NotificationSettings
from cohort_notification.worker import DeliveryWorker

pytestmark = pytest.mark.unit


def worker(lease: float = 120.0) -> DeliveryWorker:
    s = NotificationSettings(
        database_url="postgresql://unused/unused", delivery_lease_seconds=lease
    )
    return DeliveryWorker(pool=None, settings=s)  # type: ignore[arg-type]


def failing(times: int, exc: Exception) -> tuple[list[Any], Any]:
    calls: list[Any] = []

    async def record(d: Any, error: Any) -> None:
        calls.append(d)
        if len(calls) <= times:
            raise exc

    return calls, record


async def test_the_outcome_waits_for_the_database_and_is_written_once_it_is_back():
    w = worker()
    calls, w._record = failing(3, asyncpg.exceptions.ConnectionDoesNotExistError("gone"))  # type: ignore[method-assign]
    await w._record_within_lease({"delivery_id": "d-1"}, None, time.monotonic())
    assert len(calls) == 4


async def test_an_outage_longer_than_the_lease_gives_up_to_the_documented_window():
    w = worker(lease=5.5)
    calls, w._record = failing(100, OSError("connection refused"))  # type: ignore[method-assign]
    with pytest.raises(OSError):
        await w._record_within_lease({"delivery_id": "d-1"}, None, time.monotonic())
    assert 1 <= len(calls) <= 3


async def test_a_bug_is_not_retried():
    w = worker()
    calls, w._record = failing(1, ValueError("a bug"))  # type: ignore[method-assign]
    with pytest.raises(ValueError):
        await w._record_within_lease({"delivery_id": "d-1"}, None, time.monotonic())
    assert len(calls) == 1
