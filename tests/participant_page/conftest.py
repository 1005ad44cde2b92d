"""An enrolment service whose HTTP side listens on a real port of 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from cohort_enrolment.links import Signer, page_url
from cohort_kit import Runtime

from tests.enrolment import builders

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
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    runtime = builders.runtime(nats_url, database_url, public_base_url=base_url, link_secret=SECRET)
    await runtime.start()
    server = uvicorn.Server(
        uvicorn.Config(runtime.http_app, log_level="warning", lifespan="off", access_log=False)
    )
    task = asyncio.ensure_future(server.serve(sockets=[sock]))
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.02)
    assert server.started, "uvicorn did not start"
    try:
        async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
            yield Served(runtime, base_url, http)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
        sock.close()
        await runtime.stop()
