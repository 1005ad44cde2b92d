"""`python -m bench.reporting`: projection throughput and the time of a country report.

1. Throughput: a stream pre-filled with ~8 messages per person (INTAKE, ENROLMENT,
   CERTIFICATION, NOTIFICATION) is applied by the reporting service's four durable consumers
   (the real Runtime, handlers, inbox and SQL); events/s = messages / time until the
   projections' provenance counts them all. Baseline: a trivial FastStream pull handler on
   the same server with the same message size (bench/baseline.py), measured in this run.
2. Report: `--enrolments` enrolments in COM (plus 10 % in NER) written straight into the
   projections (bench/reporting/fill.py); the time of `build_report(country:COM)` (SQL reads,
   counting, suppression, provenance), best and median of `--repeats`.

Writes bench/results/reporting-<time>.json (and reporting-latest.json).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import date
from typing import Any

import asyncpg
import nats
from cohort_contracts.streams import TOPOLOGY
from cohort_kit import Runtime
from cohort_kit.db import migrate, service_migrations, with_database
from cohort_kit.logs import configure_logging
from cohort_kit.topology import provision
from cohort_reporting.app import MIGRATIONS, definition
from cohort_reporting.domain import Scope
from cohort_reporting.reports import build_report
from cohort_reporting.settings import ReportingSettings

from ..baseline import run_baseline
from ..common import Servers, embedded_servers, say, write_result
from .events import stream
from .fill import fill

FIRST, LAST = date(2000, 1, 1), date(2099, 12, 31)


async def create_database(servers: Servers, name: str) -> str:
    admin = await asyncpg.connect(servers.admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return with_database(servers.admin_dsn, name)


async def applied(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval("SELECT coalesce(sum(events), 0) FROM r_provenance"))


async def dead_letters(nats_url: str) -> int:
    nc = await nats.connect(nats_url)
    try:
        info = await nc.jetstream().stream_info("DEADLETTER")
        return int(info.state.messages)
    finally:
        await nc.close()


async def throughput(servers: Servers, people: int) -> tuple[dict[str, Any], int]:
    nc = await nats.connect(servers.nats_url)
    js = nc.jetstream()
    await provision(js, TOPOLOGY)
    messages = list(stream(people))
    sizes = [len(body) for _, body, _ in messages]
    started = time.perf_counter()
    for i in range(0, len(messages), 500):
        await asyncio.gather(
            *(
                js.publish(subject, body, headers={"Nats-Msg-Id": msg_id})
                for subject, body, msg_id in messages[i : i + 500]
            )
        )
    say(f"  published {len(messages)} messages in {time.perf_counter() - started:.1f}s")
    await nc.drain()

    database_url = await create_database(servers, "reporting_throughput")
    settings = ReportingSettings(
        nats_url=servers.nats_url,
        database_url=database_url,
        http_port=0,
        publish_reports=False,
        log_level="warning",
    )
    runtime = Runtime(definition, settings)
    started = time.perf_counter()
    await runtime.start()
    assert runtime.pool is not None
    first_at: float | None = None
    done = 0
    while done < len(messages):
        await asyncio.sleep(0.05)
        done = await applied(runtime.pool)
        if done and first_at is None:
            first_at = time.perf_counter()
        if await dead_letters(servers.nats_url):
            raise RuntimeError("messages were dead-lettered: the synthetic stream is invalid")
        if time.perf_counter() - started > 600:
            raise TimeoutError(f"only {done} of {len(messages)} applied in 600s")
    elapsed = time.perf_counter() - started
    per_consumer = {
        r["consumer"]: r["events"]
        for r in await runtime.pool.fetch("SELECT consumer, events FROM r_provenance")
    }
    await runtime.stop()
    steady = elapsed - ((first_at or started) - started)
    return {
        "messages": len(messages),
        "people": people,
        "mean_message_bytes": round(statistics.fmean(sizes)),
        "seconds_including_start": round(elapsed, 2),
        "events_per_second": round(len(messages) / elapsed, 1),
        "events_per_second_after_first": round(len(messages) / steady, 1),
        "per_consumer": per_consumer,
        "log_level": "warning",
    }, round(statistics.fmean(sizes))


async def report_time(servers: Servers, enrolments: int, repeats: int) -> dict[str, Any]:
    database_url = await create_database(servers, "reporting_report")
    con = await asyncpg.connect(database_url)
    try:
        await migrate(con, service_migrations("reporting", MIGRATIONS))
        started = time.perf_counter()
        counts = await fill(con, enrolments)
        fill_s = time.perf_counter() - started
        say(f"  filled in {fill_s:.1f}s: {counts}")
        scope = Scope("country", "COM")
        totals: list[float] = []
        report = None
        for _ in range(repeats):
            t0 = time.perf_counter()
            report = await build_report(con, scope, FIRST, LAST)
            totals.append(time.perf_counter() - t0)
            say(f"  report {totals[-1]:.3f}s")
        assert report is not None
        f = report.figures
        return {
            "enrolments_in_scope": enrolments,
            "rows": counts,
            "fill_seconds": round(fill_s, 1),
            "report_seconds_best": round(min(totals), 3),
            "report_seconds_median": round(statistics.median(totals), 3),
            "figures_sample": {
                "sessions_scheduled": f["sessions"]["scheduled"],
                "participants_trained": f["participants"]["trained"],
                "enrolments_confirmed": f["enrolments"]["confirmed"],
                "completion_rate_percent": f["completion"]["rate_percent"],
                "suppressed_cells": len(report.suppressed_cells),
            },
        }
    finally:
        await con.close()


async def main(args: argparse.Namespace) -> dict[str, Any]:
    configure_logging("bench", "console", "warning")
    result: dict[str, Any] = {"targets": {"country_report_seconds_max": 1.0}}
    with embedded_servers() as servers:
        say(f"throughput: {args.people} people through the reporting consumers")
        result["throughput"], size = await throughput(servers, args.people)
        say(f"  {result['throughput']}")
        count = min(result["throughput"]["messages"], args.baseline_messages)
        say(f"baseline: trivial FastStream pull handler, {count} messages of {size} bytes")
        result["baseline"] = await run_baseline(servers.nats_url, count, b"x" * size)
        say(f"  {result['baseline']}")
        result["throughput_ratio_to_baseline"] = round(
            result["throughput"]["events_per_second"] / result["baseline"]["per_second"], 3
        )
        say(f"report: country:COM over {args.enrolments} enrolments")
        result["report"] = await report_time(servers, args.enrolments, args.repeats)
        say(f"  {result['report']}")
    path = write_result("reporting", result)
    say(f"wrote {path}")
    return result


def cli() -> None:
    p = argparse.ArgumentParser(prog="bench.reporting")
    p.add_argument("--people", type=int, default=1500, help="people in the stream (x8 messages)")
    p.add_argument("--baseline-messages", type=int, default=10000)
    p.add_argument("--enrolments", type=int, default=1_000_000)
    p.add_argument("--repeats", type=int, default=5)
    asyncio.run(main(p.parse_args()))


if __name__ == "__main__":
    cli()
