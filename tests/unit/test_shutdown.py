"""Shutdown steps are bounded even when a step is stuck where cancellation does not reach."""

from __future__ import annotations

import asyncio

import pytest
from cohort_kit import shutdown
from cohort_kit.shutdown import within

pytestmark = pytest.mark.unit


async def test_a_step_that_ends_in_time_is_awaited():
    assert await within(1, "quick", asyncio.sleep(0.01)) is True


async def test_a_failing_step_does_not_stop_the_shutdown():
    async def broken() -> None:
        raise RuntimeError("boom")

    assert await within(1, "broken", broken()) is True


async def test_a_slow_step_is_cancelled_after_its_time():
    cancelled = asyncio.Event()

    async def slow() -> None:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    assert await within(0.05, "slow", slow()) is False
    assert cancelled.is_set()


async def test_a_step_that_swallows_cancellation_is_abandoned(monkeypatch):
    # asyncio.wait_for would wait for this one for ever: it refuses to be cancelled.
    monkeypatch.setattr(shutdown, "CANCEL_GRACE_SECONDS", 0.05)
    release = asyncio.Event()

    async def stubborn() -> None:
        while not release.is_set():
            try:
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                continue

    step = asyncio.ensure_future(stubborn())
    started = asyncio.get_running_loop().time()
    assert await within(0.05, "stubborn", step) is False
    assert asyncio.get_running_loop().time() - started < 5
    assert not step.done()
    release.set()
    step.cancel()
    await asyncio.wait({step}, timeout=1)
    assert step.done()
