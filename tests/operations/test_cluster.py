"""A three-node NATS cluster on loopback with R3 streams: the INTAKE stream leader is killed
(SIGKILL) in the middle of a publishing scenario and restarted; every acknowledged event id
is in the stream exactly once, and two replicas of a service share the work, applying each
event exactly once."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import nats
import pytest
from cohort_cli.embedded import free_port
from cohort_cli.provisioning import replicated
from cohort_kit import Runtime
from cohort_kit.topology import provision

from tests import factories
from tests.harness import eventually
from tests.integration import probe
from tests.operations.servers import NatsProcess

pytestmark = pytest.mark.integration

EVENTS = 600
PUBLISHERS = 16


class Cluster:
    def __init__(self, folder: Path) -> None:
        self.client_ports = [free_port() for _ in range(3)]
        self.route_ports = [free_port() for _ in range(3)]
        routes = ", ".join(f"nats-route://127.0.0.1:{p}" for p in self.route_ports)
        self.nodes: dict[str, NatsProcess] = {}
        for i, (client, route) in enumerate(zip(self.client_ports, self.route_ports, strict=True)):
            name = f"n{i + 1}"
            conf = folder / f"{name}.conf"
            conf.write_text(
                f"server_name: {name}\nlisten: 127.0.0.1:{client}\n"
                f'jetstream {{ store_dir: "{folder / name}", sync_interval: always }}\n'
                f"cluster {{ name: cohort-test, listen: 127.0.0.1:{route}, routes: [{routes}] }}\n"
            )
            self.nodes[name] = NatsProcess(conf, client, folder / f"{name}.log")

    @property
    def url(self) -> str:
        return ",".join(node.url for node in self.nodes.values())

    @property
    def urls(self) -> list[str]:
        return [node.url for node in self.nodes.values()]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    c = Cluster(tmp_path_factory.mktemp("cluster"))
    try:
        for node in c.nodes.values():
            node.start()
        yield c
    finally:
        for node in c.nodes.values():
            node.stop()


async def connect(cluster: Cluster) -> Any:
    return await nats.connect(
        cluster.urls, max_reconnect_attempts=-1, reconnect_time_wait=0.2, connect_timeout=2
    )


async def ready(js: Any) -> None:
    """Wait for the JetStream meta leader, then provision every stream with three replicas."""
    deadline = time.monotonic() + 30
    while True:
        try:
            await js.account_info()
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.25)
    await provision(js, replicated(3))


async def publish_until_acked(js: Any, event: dict[str, Any]) -> Any:
    """Retry with the same Nats-Msg-Id until a PubAck comes: a lost ack is absorbed."""
    body = factories_json(event)
    deadline = time.monotonic() + 60
    while True:
        try:
            return await js.publish(
                "intake.iom.participant.registered",
                body,
                timeout=2,
                headers={"Nats-Msg-Id": event["id"]},
            )
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)


def factories_json(event: dict[str, Any]) -> bytes:
    return json.dumps(event).encode()


async def test_killing_the_stream_leader_loses_and_duplicates_nothing(
    cluster: Cluster, database_url: str
) -> None:
    nc = await connect(cluster)
    js = nc.jetstream(timeout=5)
    await ready(js)
    await eventually(lambda: _leader(js), timeout=20, interval=0.2)

    probe.behaviour.update(drop_connection_on_attempts=0, not_yet_until_attempt=0, slow_seconds=0)
    replicas = [
        Runtime(probe.definition(), probe.settings(cluster.url, database_url, stream_replicas=3))
        for _ in range(2)
    ]
    handled = [0, 0]
    for index, runtime in enumerate(replicas):
        await runtime.start()
        processor = runtime.processors[0]
        original = processor.process_batch

        async def counting(msgs: Any, _i: int = index, _orig: Any = original) -> list[str]:
            outcomes: list[str] = await _orig(msgs)
            handled[_i] += outcomes.count("applied")
            return outcomes

        processor.process_batch = counting  # type: ignore[method-assign]

    events = [factories.participant(f"iom:p-{n:04d}") for n in range(EVENTS)]
    acked: list[str] = []
    killed: dict[str, Any] = {}
    halfway = asyncio.Event()

    async def publisher(share: list[dict[str, Any]]) -> None:
        for event in share:
            await publish_until_acked(js, event)
            acked.append(event["id"])
            if len(acked) >= EVENTS // 2:
                halfway.set()

    async def killer() -> None:
        await halfway.wait()
        leader = await _leader(js)
        killed["name"], killed["at"] = leader, len(acked)
        cluster.nodes[leader].kill()
        await asyncio.sleep(2)
        cluster.nodes[leader].start()

    try:
        shares = [events[i::PUBLISHERS] for i in range(PUBLISHERS)]
        await asyncio.gather(killer(), *(publisher(s) for s in shares))
        assert sorted(acked) == sorted(e["id"] for e in events)
        assert EVENTS // 2 <= killed["at"] < EVENTS, killed

        stored = await _stored_ids(js)
        assert len(stored) == EVENTS, "lost or duplicated messages"
        assert set(stored) == set(acked)

        async def applied() -> int:
            con = await asyncpg.connect(database_url)
            try:
                n: int = await con.fetchval("SELECT count(*) FROM probe_seen")
                return n if n >= EVENTS else 0
            finally:
                await con.close()

        assert await eventually(applied, timeout=60, interval=0.25) == EVENTS
        assert all(handled), f"work not shared between replicas: {handled}"
        assert sum(handled) == EVENTS
    finally:
        for runtime in replicas:
            with contextlib.suppress(Exception):
                await runtime.stop()
        await nc.close()


async def _leader(js: Any) -> str:
    for _ in range(100):
        with contextlib.suppress(Exception):
            info = await js.stream_info("INTAKE")
            if info.cluster and info.cluster.leader:
                return str(info.cluster.leader)
        await asyncio.sleep(0.2)
    raise AssertionError("INTAKE has no leader")


async def _stored_ids(js: Any) -> list[str]:
    info = await js.stream_info("INTAKE")
    ids = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        msg = await js.get_msg("INTAKE", seq)
        ids.append(msg.headers["Nats-Msg-Id"])
    return ids
