"""An enrolment service whose HTTP side listens on a real port of 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from cohort_enrolment.participant.links import Signer, page_url
from cohort_kit import Runtime

from tests import harness
from tests.enrolment import builders
from tests.harness import base_url, listening_socket

SECRET = "test-link-secret"


@dataclass
class Served:
    runtime: Runtime
    base_url: str
    http: httpx.AsyncClient

    def link(self, participant_id: str, expires_in: timedelta = timedelta(days=1)) -> str:
        """A link as the service makes them (same secret), expiring when the test says."""
        token = Signer(SECRET).token(participant_id, datetime.now(UTC) + expires_in)
        return page_url(self.base_url, token)


@pytest.fixture
async def served(js: Any, nats_url: str, database_url: str) -> AsyncIterator[Served]:
    sock = listening_socket()  # the links carry the page's URL: known before the service starts
    url = base_url(sock)
    runtime = builders.runtime(nats_url, database_url, public_base_url=url, link_secret=SECRET)
    await runtime.start()
    try:
        async with (
            harness.served(runtime.http_app, sock),
            httpx.AsyncClient(base_url=url, timeout=10) as http,
        ):
            yield Served(runtime, url, http)
    finally:
        await runtime.stop()
