"""A service running today's contracts applies events of a later minor version (rolling
upgrade) and events that are valid against the exported schemas; the edge stays strict."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import asyncpg
import pytest
from cohort_kit import Runtime
from prometheus_client import REGISTRY

from tests import factories
from tests.harness import eventually, publish_event, read_stream
from tests.integration import probe

pytestmark = pytest.mark.integration

TYPE = "participant.registered.v1"


def later_minor_version(pid: str) -> dict:
    """A participant as a publisher on a later minor version writes it: optional fields
    these contracts do not know, at the top, inside a nested object, and on the envelope."""
    event = factories.participant(pid)
    event["data"]["pronouns"] = "she/her"
    event["data"]["organisation"]["department"] = "Returnee affairs"
    event["data"]["consent"]["photos"] = False
    event["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    return event


def unknown_fields_counted() -> float:
    labels = {"service": "probe", "type": TYPE}
    return REGISTRY.get_sample_value("cohort_unknown_fields_total", labels) or 0.0


@pytest.fixture
async def service(js, nats_url: str, database_url: str) -> AsyncIterator[Runtime]:
    probe.behaviour.update(drop_connection_on_attempts=0, not_yet_until_attempt=0, slow_seconds=0)
    runtime = Runtime(probe.definition(), probe.settings(nats_url, database_url))
    await runtime.start()
    yield runtime
    await runtime.stop()


async def applied(database_url: str) -> set[str]:
    con = await asyncpg.connect(database_url)
    try:
        return {r["participant_id"] for r in await con.fetch("SELECT * FROM probe_seen")}
    finally:
        await con.close()


async def test_an_event_of_a_later_minor_version_is_applied_and_its_unknown_fields_counted(
    js, service, database_url
):
    before = unknown_fields_counted()
    await publish_event(js, later_minor_version("iom:p-newer"))
    await publish_event(js, factories.participant("iom:p-exact"))

    async def both() -> bool:
        return {"iom:p-newer", "iom:p-exact"} <= await applied(database_url)

    await eventually(both)
    assert await read_stream(js, "DEADLETTER") == []
    assert unknown_fields_counted() - before == 4  # three in `data`, one on the envelope


async def test_an_event_valid_against_the_exported_schema_is_not_a_schema_violation(
    js, service, database_url
):
    # Both were dead-lettered `schema_violation` by every service, though the schema allowed
    # them: an e-mail on a reserved domain, and a well-formed E.164 number not allocated yet.
    await publish_event(js, factories.participant("iom:p-test-domain", email="f@miidat.test"))
    await publish_event(js, factories.participant("iom:p-short-phone", phone="+269123"))

    async def both() -> bool:
        return {"iom:p-test-domain", "iom:p-short-phone"} <= await applied(database_url)

    await eventually(both)
    assert await read_stream(js, "DEADLETTER") == []


async def test_an_invalid_value_is_still_dead_lettered_even_beside_an_unknown_field(
    js, service, database_url
):
    event = later_minor_version("iom:p-nig")
    event["data"]["nationality"] = "NIG"  # not an ISO 3166-1 alpha-3 code
    await publish_event(js, event)

    dead = await eventually(lambda: _nonempty(read_stream(js, "DEADLETTER")))
    record = json.loads(dead[0].data)
    assert record["reason"] == "schema_violation"
    assert "nationality" in record["detail"] and "pronouns" not in record["detail"]


async def _nonempty(awaitable):
    found = await awaitable
    return found or None
