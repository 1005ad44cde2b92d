"""A running enrolment service and helpers to read what it decided."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from cohort_enrolment.app import definition
from cohort_kit import Runtime

from tests import harness
from tests.auth import headers
from tests.enrolment import builders
from tests.harness import eventually, read_stream, running


@pytest.fixture
async def service(js: Any, nats_url: str, database_url: str) -> AsyncIterator[Runtime]:
    async with running(definition, builders.settings(nats_url, database_url)) as runtime:
        yield runtime


@pytest.fixture
async def api(service: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=service.http_app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://enrolment", headers=headers("agency:iom")
    ) as client:
        yield client


async def decisions(js: Any) -> list[dict[str, Any]]:
    """Every event the service published on ENROLMENT, in order."""
    return [json.loads(m.data) for m in await read_stream(js, "ENROLMENT")]


async def wait_for(
    js: Any, count: int, type_: str | None = None, timeout: float = 20.0
) -> list[dict[str, Any]]:
    """Wait until ENROLMENT holds `count` events (of `type_`), and return them."""

    async def check() -> list[dict[str, Any]] | None:
        events = [e for e in await decisions(js) if type_ is None or e["type"] == type_]
        return events if len(events) >= count else None

    return await eventually(check, timeout=timeout)  # type: ignore[no-any-return]


async def deadletters(js: Any) -> list[dict[str, Any]]:
    return await harness.deadletters(js)


def by_type(events: list[dict[str, Any]], type_: str) -> list[dict[str, Any]]:
    return [e["data"] for e in events if e["type"] == type_]
