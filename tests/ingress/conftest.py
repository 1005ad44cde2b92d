"""A running ingress (in-process, its HTTP app over ASGI) against the test NATS and the test
token issuer on loopback (tests/auth.py), and helpers to read what INTAKE holds."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from cohort_ingress.runtime import Ingress
from cohort_ingress.settings import IngressSettings

from tests.enrolment.conftest import service  # noqa: F401  (a running enrolment service)
from tests.harness import read_stream


def settings(nats_url: str, **extra: Any) -> IngressSettings:
    """The `issuer` fixture has put COHORT_AUTH_* in the environment; the rest is here."""
    values: dict[str, Any] = {
        "nats_url": nats_url,
        "http_port": 0,
        "publish_timeout_seconds": 2.0,
        "startup_wait_seconds": 5.0,
        "log_level": "warning",
    }
    values.update(extra)
    return IngressSettings(**values)


@pytest.fixture
async def ingress(js: Any, nats_url: str) -> AsyncIterator[Ingress]:
    running = Ingress(settings(nats_url))
    await running.start()
    yield running
    await running.stop()


def client_for(ingress: Ingress) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=ingress.http_app)
    return httpx.AsyncClient(transport=transport, base_url="http://ingress")


@pytest.fixture
async def http(ingress: Ingress) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(ingress) as client:
        yield client


async def intake(js: Any) -> list[dict[str, Any]]:
    """Every event INTAKE holds, in stream order, with its subject."""
    return [{**json.loads(m.data), "_subject": m.subject} for m in await read_stream(js, "INTAKE")]


async def intake_ids(js: Any) -> list[str]:
    return [e["id"] for e in await intake(js)]
