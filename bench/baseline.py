"""The baseline every figure is divided by: a trivial FastStream JetStream pull handler.

Same server, same message sizes, same fetch mode as our consumers (one message per pull
request, explicit ack), but no database and no envelope parsing: the ceiling that NATS,
nats-py and FastStream set on this machine.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import nats
from faststream import AckPolicy
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage
from nats.js.api import ConsumerConfig, StreamConfig

from .common import percentiles

STREAM = "BENCH_BASELINE"


async def run_baseline(nats_url: str, count: int, body: bytes) -> dict[str, Any]:
    """Publish `count` messages as fast as PubAcks allow; time publish -> handled."""
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await js.add_stream(StreamConfig(name=STREAM, subjects=["bench.baseline.>"]))
    await js.add_consumer(STREAM, ConsumerConfig(durable_name="baseline", ack_policy="explicit"))
    sent: dict[str, float] = {}
    latencies: list[float] = []
    done = asyncio.Event()

    broker = NatsBroker(nats_url, logger=None)

    @broker.subscriber(
        "bench.baseline.>",
        stream=JStream(STREAM, declare=False),
        durable="baseline",
        pull_sub=PullSub(batch_size=1),
        ack_policy=AckPolicy.MANUAL,
    )
    async def handle(message: NatsMessage) -> None:
        msg = message.raw_message
        latencies.append(time.perf_counter() - sent[msg.headers["Nats-Msg-Id"]])
        await msg.ack()
        if len(latencies) == count:
            done.set()

    await broker.start()
    started = time.perf_counter()
    for i in range(count):
        key = f"b-{i}"
        sent[key] = time.perf_counter()
        await js.publish(f"bench.baseline.{i % 10}", body, headers={"Nats-Msg-Id": key})
    await asyncio.wait_for(done.wait(), timeout=300)
    elapsed = time.perf_counter() - started
    await broker.stop()
    await js.delete_stream(STREAM)
    await nc.drain()
    return {
        "messages": count,
        "seconds": round(elapsed, 3),
        "per_second": round(count / elapsed, 1),
        **percentiles(latencies),
    }
