"""NATS stopped in the middle of a batch: nothing is reported stored that is not, and a retry
of the same batch leaves INTAKE with each id exactly once, in array order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import nats
import pytest
from cohort_cli.embedded import EmbeddedNats, free_port
from cohort_contracts.streams import TOPOLOGY
from cohort_ingress.intake import Ack
from cohort_ingress.runtime import Ingress
from cohort_kit.topology import provision

from tests import auth, factories
from tests.harness import eventually
from tests.ingress.conftest import client_for, intake_ids, settings
from tests.ingress.sdk import batch

pytestmark = pytest.mark.integration


@pytest.fixture
async def own_nats(tmp_path: Path) -> AsyncIterator[EmbeddedNats]:
    """A NATS server of this test alone, so it can be stopped and started again."""
    server = EmbeddedNats(tmp_path / "nats", free_port()).start()
    nc = await nats.connect(server.url)
    await provision(nc.jetstream(), TOPOLOGY)
    await nc.drain()
    yield server
    server.stop()


async def test_nats_stopped_mid_batch_then_the_same_batch_is_resent(
    own_nats: EmbeddedNats,
) -> None:
    ingress = Ingress(settings(own_nats.url, publish_timeout_seconds=1.0))
    await ingress.start()
    real = ingress.publisher()
    published = 0

    async def stop_nats_after_three(subject: str, body: bytes, msg_id: str) -> Ack:
        nonlocal published
        if published == 3:
            await asyncio.to_thread(own_nats.stop)
        ack = await real(subject, body, msg_id)
        published += 1
        return ack

    ingress.publish = stop_nats_after_three
    events = [factories.participant(f"iom:p-{n}") for n in range(8)]
    ids = [e["id"] for e in events]
    msg = batch(events)
    headers = {**msg.headers, **auth.headers("agency:iom")}
    try:
        async with client_for(ingress) as http:
            answer = await http.post("/v1/events", content=msg.body, headers=headers)
            assert answer.status_code == 200
            results = answer.json()["results"]
            assert [r["status"] for r in results] == ["accepted"] * 3 + ["failed"] + [
                "not_attempted"
            ] * 4
            assert all(r["error"]["retryable"] for r in results[3:])
            assert answer.headers["retry-after"]

            # Still down: nothing can be stored, so the whole request is a 503.
            down = await http.post("/v1/events", content=msg.body, headers=headers)
            assert down.status_code == 503
            assert down.headers["content-type"] == "application/problem+json"
            assert int(down.headers["retry-after"]) > 0

            restarted = EmbeddedNats(own_nats.data_dir, own_nats.port).start()
            try:
                await eventually(lambda: _ready(ingress), timeout=30)
                ingress.publish = real
                again = await http.post("/v1/events", content=msg.body, headers=headers)
                assert again.status_code == 200
                statuses = [r["status"] for r in again.json()["results"]]
                assert statuses == ["duplicate"] * 3 + ["accepted"] * 5
                js = ingress.jetstream()
                assert await intake_ids(js) == ids
            finally:
                await ingress.stop()
                restarted.stop()
    finally:
        await ingress.stop()


async def _ready(ingress: Ingress) -> Any:
    return (await ingress.readiness())["nats"]
