"""Shared parts of the benchmarks: embedded servers, statistics, result files."""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import nats
from cohort_cli.embedded import EmbeddedNats, EmbeddedPostgres, free_port
from cohort_contracts.streams import TOPOLOGY
from cohort_kit.db import ensure_database, with_database
from cohort_kit.topology import provision

RESULTS = Path(__file__).parent / "results"


@dataclass(frozen=True)
class Servers:
    """Where the benchmark's servers listen."""

    nats_url: str
    admin_dsn: str


@contextmanager
def embedded_servers() -> Iterator[Servers]:
    """Fresh NATS + PostgreSQL in a temporary folder (durable settings, as deployed)."""
    with (
        tempfile.TemporaryDirectory(prefix="cohort-bench-") as tmp,
        EmbeddedNats(Path(tmp) / "nats", free_port()).running() as nats_url,
        EmbeddedPostgres(Path(tmp) / "pg", free_port()).running() as admin_dsn,
    ):
        yield Servers(nats_url, admin_dsn)


async def service_parts(nats_url: str, admin_dsn: str, database: str) -> tuple[str, Any, Any]:
    """What a one-service bench runs on: its own database (its DSN), and a NATS connection
    with its JetStream context on the network's topology. The caller drains the connection."""
    await ensure_database(admin_dsn, database)
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await provision(js, TOPOLOGY)
    return with_database(admin_dsn, database), nc, js


async def baseline(servers: Servers, count: int, body: bytes) -> dict[str, Any]:
    """The run's baseline (bench/baseline.py), said as it is measured."""
    from .baseline import run_baseline  # baseline.py imports this module

    say(f"baseline: trivial FastStream pull handler, {count} messages of {len(body)} B")
    result = await run_baseline(servers.nats_url, count, body)
    say(f"  {result}")
    return result


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50/p95/p99 and mean of latencies in seconds, reported in milliseconds."""
    if not samples:
        return {"p50_ms": float("nan"), "p95_ms": float("nan"), "p99_ms": float("nan")}
    ordered = sorted(samples)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return {
        "p50_ms": round(pick(0.50), 2),
        "p95_ms": round(pick(0.95), 2),
        "p99_ms": round(pick(0.99), 2),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 2),
    }


def write_result(name: str, result: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    path = RESULTS / f"{name}-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, default=str))
    (RESULTS / f"{name}-latest.json").write_text(json.dumps(result, indent=2, default=str))
    return path


def say(text: str) -> None:
    print(f"bench | {text}", flush=True)


async def publish_intake(js: Any, events: list[dict[str, Any]]) -> None:
    """Publish intake events on their subjects, `Nats-Msg-Id` = id (as agencies do)."""
    for event in events:
        name = event["type"].rsplit(".", 1)[0]
        await js.publish(
            f"intake.{event['agency']}.{name}",
            json.dumps(event).encode(),
            headers={"Nats-Msg-Id": event["id"]},
        )


async def wait_inbox(dsn: str, n: int) -> None:
    """Until the service's inbox holds `n` applied events (ten minutes at the most)."""
    con = await asyncpg.connect(dsn)
    try:
        for _ in range(3000):
            if await con.fetchval("SELECT count(*) FROM inbox") >= n:
                return
            await asyncio.sleep(0.2)
        raise TimeoutError(f"the service did not apply {n} events")
    finally:
        await con.close()
