"""Bounded input: a body too deep, too large or breaking the parser is dead-lettered with its
reason by a real consumer, never redelivered, and the traffic after it flows."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import AsyncIterator

import asyncpg
import pytest
from cohort_kit import Runtime, consumer

from tests import factories, harness
from tests.harness import eventually, publish_event, publish_raw, running
from tests.integration import probe

pytestmark = pytest.mark.integration

SUBJECT = "intake.iom.participant.registered"
LIMIT = 8192


@pytest.fixture
async def service(js, nats_url: str, database_url: str) -> AsyncIterator[Runtime]:
    probe.behaviour.update(drop_connection_on_attempts=0, not_yet_until_attempt=0, slow_seconds=0)
    settings = probe.settings(nats_url, database_url, max_message_bytes=LIMIT, max_json_depth=32)
    async with running(probe.definition(), settings) as runtime:
        yield runtime


async def seen(database_url: str) -> list[str]:
    con = await asyncpg.connect(database_url)
    try:
        rows = await con.fetch("SELECT participant_id FROM probe_seen ORDER BY participant_id")
        return [r["participant_id"] for r in rows]
    finally:
        await con.close()


async def deadletters(js, n: int) -> list[dict] | None:
    records = await harness.deadletters(js)
    return records if len(records) >= n else None


async def settled(js) -> bool:
    info = await js.consumer_info("INTAKE", "enrolment-intake")
    return info.num_pending == 0 and info.num_ack_pending == 0


def deep_event(levels: int) -> bytes:
    """A valid participant event carrying `levels` of nested arrays (20 kB for 10,000)."""
    body = json.dumps(factories.participant("iom:p-deep")).encode()
    return body[:-1] + b', "x": ' + b"[" * levels + b"]" * levels + b"}"


async def test_a_message_nested_ten_thousand_deep_is_dead_lettered_too_deep(
    js, service, database_url
):
    await publish_raw(js, SUBJECT, deep_event(10_000)[:LIMIT], "deep-cut")  # cut: also too deep
    await publish_raw(js, SUBJECT, deep_event(3_000), "deep-3000")
    await publish_event(js, factories.participant("iom:p-after"))

    records = await eventually(lambda: deadletters(js, 2))
    assert [r["reason"] for r in records] == ["too_deep", "too_deep"]
    assert "32" in records[0]["detail"]
    assert await eventually(lambda: seen(database_url)) == ["iom:p-after"]
    assert await eventually(lambda: settled(js))
    info = await js.consumer_info("INTAKE", "enrolment-intake")
    assert info.num_redelivered == 0, "a refused message was delivered again"


async def test_a_message_over_the_size_limit_is_dead_lettered_too_large_with_its_digest(
    js, service, database_url
):
    big = factories.participant("iom:p-big", position="x" * 400)
    big["padding"] = "y" * (3 * LIMIT)  # an extension attribute: valid but too large
    body = json.dumps(big).encode()
    await publish_raw(js, SUBJECT, body, "big")
    await publish_event(js, factories.participant("iom:p-small"))

    (record,) = await eventually(lambda: deadletters(js, 1))
    assert record["reason"] == "too_large" and str(len(body)) in record["detail"]
    assert record["body_bytes"] == len(body) and record["body_truncated"] is True
    assert record["body_sha256"] == hashlib.sha256(body).hexdigest()
    assert body.startswith(base64.b64decode(record["body_base64"]))
    assert await eventually(lambda: seen(database_url)) == ["iom:p-small"]
    assert await eventually(lambda: settled(js))


async def test_a_body_just_within_both_limits_is_applied(js, service, database_url):
    event = factories.participant("iom:p-edge", position="z" * 300)
    body = json.dumps(event).encode()
    assert len(body) < LIMIT
    await publish_raw(js, SUBJECT, body, event["id"])
    assert await eventually(lambda: seen(database_url)) == ["iom:p-edge"]


async def test_any_failure_while_parsing_is_dead_lettered_not_redelivered(
    js, service, database_url, monkeypatch
):
    real = consumer.REGISTRY

    class Breaking:
        """The catalogue, failing as no one foresaw on one body (as RecursionError did)."""

        def parse(self, body: bytes, subject: str, **bounds: int):
            if b"iom:p-boom" in body:
                raise RecursionError("maximum recursion depth exceeded")
            return real.parse(body, subject, **bounds)

    monkeypatch.setattr(consumer, "REGISTRY", Breaking())
    await publish_event(js, factories.participant("iom:p-boom"))
    await publish_event(js, factories.participant("iom:p-fine"))

    (record,) = await eventually(lambda: deadletters(js, 1))
    assert record["reason"] == "unparseable" and "RecursionError" in record["detail"]
    assert await eventually(lambda: seen(database_url)) == ["iom:p-fine"]
    assert await eventually(lambda: settled(js))
    info = await js.consumer_info("INTAKE", "enrolment-intake")
    assert info.num_redelivered == 0
