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
from cohort_cli.embedded import EmbeddedNats, EmbeddedPostgres, free_port

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
