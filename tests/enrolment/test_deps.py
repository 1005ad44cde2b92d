"""Handlers get their dependencies from the definition: a test swaps them in one place."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from cohort_enrolment.app import definition
from cohort_enrolment.deps import Deps
from cohort_enrolment.participant.issuing import LinkIssuer
from cohort_kit import Runtime

from tests.enrolment import builders as b
from tests.enrolment.conftest import by_type, wait_for
from tests.harness import publish_event

pytestmark = pytest.mark.integration

FROZEN = datetime(2023, 7, 1, 12, 0, tzinfo=UTC)  # after the session's last day


async def test_a_fake_clock_in_the_deps_decides_every_page_links_expiry(js, nats_url, database_url):
    frozen = replace(definition, deps=lambda s: Deps(LinkIssuer(s, clock=lambda: FROZEN)))
    settings = b.settings(nats_url, database_url, public_base_url="https://cohort.example.org")
    runtime = Runtime(frozen, settings)
    await runtime.start()
    try:
        for event in (
            b.course(),
            b.session(),
            b.participant("iom:p-1"),
            b.request("iom:e-1", "iom:p-1"),
        ):
            await publish_event(js, event)
        events = await wait_for(js, 2)  # the page link, then the confirmation
    finally:
        await runtime.stop()
    [link] = by_type(events, "participant.link_requested.v1")
    lifetime = timedelta(seconds=settings.link_lifetime_seconds)
    assert datetime.fromisoformat(link["expires_at"]) == FROZEN + lifetime
    assert runtime.deps.links.clock() == FROZEN
