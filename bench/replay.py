"""`uv run python -m bench.replay`: a history import, and rebuilding reporting from its log.

A fresh network (`cohort up`, as `make demo` runs it) receives `--events` intake events of
the realistic mix of `tests/scenario.py` (courses, sessions, participants, requests,
attendance, assessments, evaluations, closes: about 190 events a session, two agencies,
five countries), all published at once (PubAcks awaited in windows of `--window`). Timed:

- publish: first publish until the last PubAck;
- per service: from the first publish until the service is caught up for good (every one
  of its consumers has nothing pending or unacknowledged and its outbox is empty; for
  notification also no delivery pending), sampled every 0.25 s;
- total: until every service is caught up (events/s = intake events / total seconds);
- rebuild: reporting replayed from the same log into an empty database
  (`cohort_kit.rebuild`, the path a projection rebuild takes).

Writes bench/results/replay-*.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

import asyncpg
import nats
from cohort_cli.services import SERVICES, database_name, definition
from cohort_cli.stack import Stack
from cohort_contracts.streams import CONSUMERS
from cohort_kit.db import ensure_database
from cohort_kit.logs import configure_logging
from cohort_kit.rebuild import rebuild

from bench.common import say, write_result
from bench.network import start_network
from tests.scenario import generate

EVENTS_PER_SESSION = 190


async def publish_history(js: Any, events: list[dict[str, Any]], window: int) -> float:
    """Publish everything, `window` PubAcks in flight at a time; seconds until the last."""
    started = time.perf_counter()
    for i in range(0, len(events), window):
        chunk = events[i : i + window]
        await asyncio.gather(
            *(
                js.publish(
                    f"intake.{e['agency']}.{e['type'].rsplit('.', 1)[0]}",
                    json.dumps(e).encode(),
                    headers={"Nats-Msg-Id": e["id"]},
                )
                for e in chunk
            )
        )
    return time.perf_counter() - started


async def backlog(js: Any, cons: dict[str, asyncpg.Connection], service: str) -> int:
    """Messages and rows `service` still has to handle or publish."""
    pending = 0
    for c in CONSUMERS:
        if c.durable.startswith(f"{service}-"):
            info = await js.consumer_info(c.stream, c.durable)
            pending += (info.num_pending or 0) + (info.num_ack_pending or 0)
    con = cons[service]
    pending += await con.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
    if service == "notification":
        pending += await con.fetchval("SELECT count(*) FROM deliveries WHERE status = 'pending'")
    return int(pending)


async def watch_until_caught_up(
    stack: Stack, js: Any, started: float, quiet: float, timeout: float
) -> dict[str, float]:
    """Seconds from `started` until each service was caught up for good."""
    dsn = f"postgresql://postgres@127.0.0.1:{stack.options.pg_port}"
    cons = {s: await asyncpg.connect(f"{dsn}/{database_name(s)}") for s in SERVICES}
    caught: dict[str, float | None] = dict.fromkeys(SERVICES)
    last_print = time.monotonic()
    try:
        while time.monotonic() - started < timeout:
            now = time.monotonic()
            left = {s: await backlog(js, cons, s) for s in SERVICES}
            for s, n in left.items():
                if n:
                    caught[s] = None  # work arrived again (from a service upstream)
                elif caught[s] is None:
                    caught[s] = now - started
            done = [t for t in caught.values() if t is not None]
            if len(done) == len(SERVICES) and now - started - max(done) >= quiet:
                return {s: round(t, 2) for s, t in caught.items() if t is not None}
            if now - last_print > 10:
                say(f"  {now - started:.0f}s: still to do {left}")
                last_print = now
            await asyncio.sleep(0.25)
        raise SystemExit(f"not caught up after {timeout:.0f}s: {caught}")
    finally:
        for con in cons.values():
            await con.close()


async def time_rebuild(stack: Stack) -> dict[str, Any]:
    admin = f"postgresql://postgres@127.0.0.1:{stack.options.pg_port}/postgres"
    target = f"postgresql://postgres@127.0.0.1:{stack.options.pg_port}/cohort_reporting_rebuild"
    await ensure_database(admin, "cohort_reporting_rebuild")
    started = time.perf_counter()
    applied = await rebuild(definition("reporting"), stack.nats_url, target)
    seconds = time.perf_counter() - started
    total = sum(applied.values())
    return {
        "seconds": round(seconds, 2),
        "applied": applied,
        "events_per_s": round(total / seconds, 1) if seconds else 0.0,
    }


async def main(args: argparse.Namespace) -> dict[str, Any]:
    configure_logging("bench", "console", "warning")
    events = generate(max(1, args.events // EVENTS_PER_SESSION))
    say(f"replay: {len(events)} intake events into a fresh network")
    stack, ready_s = await start_network()
    try:
        nc = await nats.connect(stack.nats_url)
        js = nc.jetstream(timeout=30)
        started = time.monotonic()
        publish_s = await publish_history(js, events, args.window)
        say(f"  published in {publish_s:.1f}s ({len(events) / publish_s:.0f}/s)")
        caught = await watch_until_caught_up(stack, js, started, args.quiet, args.timeout)
        total_s = max(caught.values())
        await nc.drain()
        say(f"  caught up: {caught}; whole network {len(events) / total_s:.0f} events/s")
        result: dict[str, Any] = {
            "events": len(events),
            "network_ready_s": round(ready_s, 2),
            "publish_s": round(publish_s, 2),
            "caught_up_s": caught,
            "total_s": total_s,
            "events_per_s": round(len(events) / total_s, 1),
        }
        if not args.no_rebuild:
            say("  rebuilding reporting from the log")
            result["reporting_rebuild"] = await time_rebuild(stack)
            say(f"  {result['reporting_rebuild']}")
    finally:
        await stack.stop()
    path = write_result("replay", result)
    say(f"wrote {path}")
    return result


def cli() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.replay", description=__doc__.split("\n")[0])
    p.add_argument("--events", type=int, default=100_000, help="intake events (about)")
    p.add_argument("--window", type=int, default=1000, help="PubAcks in flight at a time")
    p.add_argument("--quiet", type=float, default=3.0, help="seconds caught up before the end")
    p.add_argument("--timeout", type=float, default=7200.0, help="give up after this long")
    p.add_argument("--no-rebuild", action="store_true", help="skip the reporting rebuild")
    asyncio.run(main(p.parse_args()))


if __name__ == "__main__":
    cli()
