"""`uv run python -m bench.enrolment`: requests per second from INTAKE to decision event.

In one run, on fresh embedded servers: the baseline (a trivial FastStream JetStream pull
handler, `bench.baseline`), then the enrolment service (one replica, in this process like
the baseline's handler) deciding `--messages` requests spread over sessions of 30 seats
and 20 waitlist places. Each request is published as fast as PubAcks allow; latency is
publish -> its `enrolment.*` decision received on a core NATS subscription. Prints the
ratio enrolment/baseline (target >= 0.5) and writes bench/results/enrolment-*.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

import asyncpg
from cohort_enrolment.app import definition
from cohort_enrolment.settings import EnrolmentSettings
from cohort_kit import Runtime
from cohort_kit.logs import configure_logging

from bench import common
from bench.common import embedded_servers, percentiles, say, write_result
from tests.enrolment import builders

SEATS, WAITLIST = 30, 20


class Statements:
    """`--count-statements`: every statement the process sends PostgreSQL while counting
    (asyncpg's query loggers on every connection; adds a little time per statement, so
    the throughput of such a run is not the figure to quote)."""

    def __init__(self) -> None:
        self.counting = False
        self.n = 0

    def __call__(self, _record: Any) -> None:
        if self.counting:
            self.n += 1

    def install(self) -> None:
        original = asyncpg.connection.Connection.__init__

        def init(con: Any, *args: Any, **kwargs: Any) -> None:
            original(con, *args, **kwargs)
            con.add_query_logger(self)

        asyncpg.connection.Connection.__init__ = init  # type: ignore[method-assign]


STATEMENTS = Statements()


async def run_enrolment(nats_url: str, admin_dsn: str, count: int, sessions: int) -> dict[str, Any]:
    dsn, nc, js = await common.service_parts(nats_url, admin_dsn, "enrolment_bench")
    settings = EnrolmentSettings(
        nats_url=nats_url,
        database_url=dsn,
        http_port=0,
        log_level="warning",
        relay_poll_seconds=0.5,
        link_secret="bench-enrolment-link-secret",
    )
    runtime = Runtime(definition, settings)
    await runtime.start()
    try:
        await common.publish_intake(js, [builders.course()])
        await common.publish_intake(
            js,
            [
                builders.session(f"iom:s-{k}", capacity=SEATS, waitlist=WAITLIST)
                for k in range(sessions)
            ],
        )
        await common.publish_intake(js, [builders.participant(f"iom:p-{n}") for n in range(count)])
        await common.wait_inbox(dsn, 1 + sessions + count)
        say(f"  {count} participants and {sessions} sessions applied; now the requests")

        sent: dict[str, float] = {}
        latencies: list[float] = []
        done = asyncio.Event()

        async def on_decision(msg: Any) -> None:
            subject = json.loads(msg.data).get("subject")
            if subject in sent:
                latencies.append(time.perf_counter() - sent.pop(subject))
                if len(latencies) == count:
                    done.set()

        sub = await nc.subscribe("enrolment.>", cb=on_decision)
        requests = [
            builders.request(f"iom:e-{n}", f"iom:p-{n}", f"iom:s-{n % sessions}")
            for n in range(count)
        ]
        started = time.perf_counter()
        STATEMENTS.counting = True
        for r in requests:
            sent[r["data"]["enrolment_id"]] = time.perf_counter()
            await js.publish(
                "intake.iom.enrolment.requested",
                json.dumps(r).encode(),
                headers={"Nats-Msg-Id": r["id"]},
            )
        published = time.perf_counter() - started
        await asyncio.wait_for(done.wait(), timeout=600)
        elapsed = time.perf_counter() - started
        STATEMENTS.counting = False
        await sub.unsubscribe()
    finally:
        await runtime.stop()
        await nc.drain()
    return {
        "messages": count,
        "sessions": sessions,
        "seconds": round(elapsed, 3),
        "publish_seconds": round(published, 3),
        "per_second": round(count / elapsed, 1),
        **percentiles(latencies),
        **({"statements_per_request": round(STATEMENTS.n / count, 2)} if STATEMENTS.n else {}),
    }


async def main(args: argparse.Namespace) -> dict[str, Any]:
    configure_logging("bench", "json", "warning")
    if args.count_statements:
        STATEMENTS.install()
    body = json.dumps(builders.request("iom:e-x", "iom:p-x")).encode()  # same size as a request
    result: dict[str, Any] = {"target_ratio_min": 0.5}
    with embedded_servers() as servers:
        result["baseline"] = await common.baseline(servers, args.messages, body)
        say(f"enrolment: {args.messages} requests over {args.sessions} sessions, one replica")
        result["enrolment"] = await run_enrolment(
            servers.nats_url, servers.admin_dsn, args.messages, args.sessions
        )
        say(f"  {result['enrolment']}")
    ratio = result["enrolment"]["per_second"] / result["baseline"]["per_second"]
    result["ratio"] = round(ratio, 3)
    say(f"ratio enrolment/baseline = {ratio:.2f} (target >= 0.5)")
    say(f"wrote {write_result('enrolment', result)}")
    return result


def cli() -> None:
    p = argparse.ArgumentParser(prog="bench.enrolment")
    p.add_argument("--messages", type=int, default=3000)
    p.add_argument("--sessions", type=int, default=100)
    p.add_argument("--count-statements", action="store_true", help="count SQL per request")
    asyncio.run(main(p.parse_args()))


if __name__ == "__main__":
    cli()
