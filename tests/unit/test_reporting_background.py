"""Reporting's background job when report publishing is off (a projection-only replica)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from cohort_reporting.app import session_summaries
from cohort_reporting.settings import ReportingSettings

pytestmark = pytest.mark.unit


async def test_publishing_off_keeps_the_job_idle_instead_of_ending_it():
    # A job that returns is restarted by the supervisor every second with an error logged.
    runtime = SimpleNamespace(settings=ReportingSettings(publish_reports=False), pool=object())
    job = asyncio.ensure_future(session_summaries(runtime))  # type: ignore[arg-type]
    await asyncio.sleep(0.3)
    assert not job.done()
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job
