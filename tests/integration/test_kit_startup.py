"""A service refuses to start against streams or consumers that differ from the declaration."""

from __future__ import annotations

import pytest
from cohort_kit import Runtime
from cohort_kit.topology import TopologyMismatch
from nats.js.api import ConsumerConfig

from tests.integration import probe

pytestmark = pytest.mark.integration


async def test_a_service_refuses_to_start_when_a_consumer_was_changed_by_hand(
    js, nats_url, database_url
):
    await js.delete_consumer("INTAKE", "enrolment-intake")
    await js.add_consumer(
        "INTAKE",
        ConsumerConfig(durable_name="enrolment-intake", filter_subject="intake.iom.>"),
    )
    runtime = Runtime(probe.definition(), probe.settings(nats_url, database_url))
    with pytest.raises(TopologyMismatch, match="filter_subjects"):
        await runtime.start()
    await runtime.stop()


async def test_a_service_refuses_to_start_when_its_stream_is_missing(js, nats_url, database_url):
    await js.delete_stream("DEADLETTER")
    runtime = Runtime(probe.definition(), probe.settings(nats_url, database_url))
    with pytest.raises(TopologyMismatch, match="stream DEADLETTER is missing"):
        await runtime.start()
    await runtime.stop()


async def test_health_readiness_and_metrics_are_served(js, nats_url, database_url):
    import httpx

    from tests.auth import headers

    runtime = Runtime(probe.definition(), probe.settings(nats_url, database_url))
    await runtime.start()
    try:
        transport = httpx.ASGITransport(app=runtime.http_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://probe") as client:
            assert (await client.get("/healthz")).json()["status"] == "ok"
            # Readiness and metrics are for operators: no token 401, another org 403.
            assert (await client.get("/readyz")).status_code == 401
            ministry = headers("ministry:NER")
            assert (await client.get("/metrics", headers=ministry)).status_code == 403
            ops = headers("ops")
            ready = await client.get("/readyz", headers=ops)
            assert ready.status_code == 200, ready.text
            assert ready.json()["checks"] == {"nats": True, "postgres": True}
            metrics = (await client.get("/metrics", headers=ops)).text
            assert "cohort_messages_in_total" in metrics
    finally:
        await runtime.stop()


async def test_a_service_started_before_postgresql_waits_for_it(js, nats_url, tmp_path):
    import asyncio

    from cohort_cli.embedded import EmbeddedPostgres, free_port

    port = free_port()
    settings = probe.settings(
        nats_url, f"postgresql://postgres@127.0.0.1:{port}/postgres", startup_wait_seconds=60
    )
    runtime = Runtime(probe.definition(), settings)
    starting = asyncio.ensure_future(runtime.start())
    await asyncio.sleep(1.5)
    assert not starting.done()  # still waiting, not crashed
    server = await asyncio.to_thread(EmbeddedPostgres(tmp_path / "late", port, durable=False).start)
    try:
        await asyncio.wait_for(starting, 60)
        assert (await runtime.readiness()) == {"nats": True, "postgres": True}
    finally:
        await runtime.stop()
        await asyncio.to_thread(server.stop)
