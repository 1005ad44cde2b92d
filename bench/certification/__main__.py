"""`uv run python -m bench.certification`: certificates per second and `/verify` latency.

In one run, on fresh embedded servers (NATS + PostgreSQL):

1. the baseline (`bench.baseline`: a trivial FastStream JetStream pull handler) with a body
   the size of an `enrolment.completed` event;
2. issuance, end to end: the certification service (one replica, in this process) gets the
   facts (one course, one session, `--certificates` participants), then `--certificates`
   `enrolment.completed` events (outcome `completed`) are published as fast as PubAcks
   allow; timed until as many `certificate.issued` events are on CERTIFICATION (read on a
   core NATS subscription to `certification.issued`). This is sign + persist + outbox
   relay: **no PDF**, the service renders PDFs on request only;
3. PDF renders per second: `GET /credentials/{id}.pdf` for `--pdfs` certificates, one at a
   time, through the HTTP app in process (httpx.ASGITransport);
4. `GET /verify/{code}` under load: the service's HTTP app is served by uvicorn on a real
   127.0.0.1 port in this process; the load comes from a separate process (httpx, HTTP/1.1
   keep-alive, closed loop) at each `--concurrency`, `--verifications` requests each.

Targets (issue 4): >= 200 certificates/s in one process; verification p99 <= 20 ms on 2
cores. Writes bench/results/certification-*.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import sys
import time
from typing import Any

import asyncpg
import httpx
import uvicorn
from cohort_certification.app import definition
from cohort_certification.settings import CertificationSettings
from cohort_cli.embedded import free_port
from cohort_kit import Runtime
from cohort_kit.logs import configure_logging

from bench.common import (
    baseline,
    embedded_servers,
    percentiles,
    publish_intake,
    say,
    service_parts,
    write_result,
)
from tests.certification import events

KEY_SEED = "11" * 32
TARGETS = {"certificates_per_second_min": 200, "verify_p99_ms_max": 20}


def load() -> dict[str, Any]:
    one, five, _ = os.getloadavg()
    return {"loadavg_1m": round(one, 2), "loadavg_5m": round(five, 2), "cpus": os.cpu_count()}


async def run_certification(
    nats_url: str,
    admin_dsn: str,
    count: int,
    pdfs: int,
    verifications: int,
    concurrency: list[int],
) -> dict[str, Any]:
    dsn, nc, js = await service_parts(nats_url, admin_dsn, "certification_bench")
    settings = CertificationSettings(
        nats_url=nats_url,
        database_url=dsn,
        http_port=0,
        log_level="warning",
        relay_poll_seconds=0.5,
        signing_keys={"icmpd": KEY_SEED},
        secret="bench-certification-secret",
    )
    runtime = Runtime(definition, settings)
    await runtime.start()
    result: dict[str, Any] = {}
    try:
        facts = [events.course(), events.session()]
        facts += [events.person(f"icmpd:p-{n}") for n in range(count)]
        await publish_intake(js, facts)
        await _wait_count(dsn, "SELECT count(*) FROM participants", count)
        say(f"  facts applied (1 course, 1 session, {count} participants); now the completions")

        result["issuance"] = await _issue(nc, js, count)
        result["issuance"]["load_after"] = load()
        say(f"  issuance: {result['issuance']}")

        con = await asyncpg.connect(dsn)
        try:
            rows = await con.fetch(
                "SELECT url_id, verification_code FROM certificates ORDER BY number"
            )
        finally:
            await con.close()
        assert len(rows) == count, f"{len(rows)} certificates for {count} completions"

        result["pdf"] = await _pdfs(runtime, [r["url_id"] for r in rows[:pdfs]])
        say(f"  pdf: {result['pdf']}")

        codes = [r["verification_code"] for r in rows]
        result["verify_in_process"] = await _verify_in_process(runtime, codes[:200])
        say(f"  verify, in process, one at a time: {result['verify_in_process']}")
        result["verify"] = await _verify_over_port(runtime, codes, verifications, concurrency)
    finally:
        await runtime.stop()
        await nc.drain()
    return result


async def _issue(nc: Any, js: Any, count: int) -> dict[str, Any]:
    completions = [events.completed(f"icmpd:e-{n}", f"icmpd:p-{n}") for n in range(count)]
    sent: dict[str, float] = {}
    latencies: list[float] = []
    done = asyncio.Event()

    async def on_issued(msg: Any) -> None:
        enrolment = json.loads(msg.data)["data"]["enrolment_id"]
        if enrolment in sent:
            latencies.append(time.perf_counter() - sent.pop(enrolment))
            if len(latencies) == count:
                done.set()

    sub = await nc.subscribe("certification.issued", cb=on_issued)
    started = time.perf_counter()
    for event in completions:
        sent[event["data"]["enrolment_id"]] = time.perf_counter()
        await events.publish_completion(js, event)
    published = time.perf_counter() - started
    await asyncio.wait_for(done.wait(), timeout=600)
    elapsed = time.perf_counter() - started
    await sub.unsubscribe()
    return {
        "certificates": count,
        "seconds": round(elapsed, 3),
        "publish_seconds": round(published, 3),
        "per_second": round(count / elapsed, 1),
        **percentiles(latencies),
    }


async def _wait_count(dsn: str, query: str, n: int) -> None:
    con = await asyncpg.connect(dsn)
    try:
        for _ in range(3000):  # up to ten minutes
            if await con.fetchval(query) >= n:
                return
            await asyncio.sleep(0.1)
        raise TimeoutError(f"{query!r} did not reach {n}")
    finally:
        await con.close()


def _client(runtime: Runtime) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=runtime.http_app), base_url="http://bench"
    )


async def _pdfs(runtime: Runtime, ids: list[str]) -> dict[str, Any]:
    latencies: list[float] = []
    size = 0
    async with _client(runtime) as http:
        await http.get(f"/credentials/{ids[0]}.pdf")  # fonts loaded once
        started = time.perf_counter()
        for cid in ids:
            t = time.perf_counter()
            r = await http.get(f"/credentials/{cid}.pdf")
            latencies.append(time.perf_counter() - t)
            assert r.status_code == 200 and r.content.startswith(b"%PDF"), r.status_code
            size += len(r.content)
        elapsed = time.perf_counter() - started
    return {
        "pdfs": len(ids),
        "via": "httpx.ASGITransport, in process, one at a time",
        "seconds": round(elapsed, 3),
        "per_second": round(len(ids) / elapsed, 1),
        "mean_bytes": size // len(ids),
        **percentiles(latencies),
    }


async def _verify_in_process(runtime: Runtime, codes: list[str]) -> dict[str, Any]:
    latencies: list[float] = []
    async with _client(runtime) as http:
        started = time.perf_counter()
        for code in codes:
            t = time.perf_counter()
            r = await http.get(f"/verify/{code}")
            latencies.append(time.perf_counter() - t)
            assert r.json()["status"] == "valid", r.text
        elapsed = time.perf_counter() - started
    return {
        "requests": len(codes),
        "via": "httpx.ASGITransport, in process, concurrency 1",
        "per_second": round(len(codes) / elapsed, 1),
        **percentiles(latencies),
    }


async def _verify_over_port(
    runtime: Runtime, codes: list[str], requests: int, concurrency: list[int]
) -> list[dict[str, Any]]:
    port = free_port()
    config = uvicorn.Config(
        runtime.http_app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]
    task = asyncio.ensure_future(server.serve())
    for _ in range(200):  # up to ten seconds
        if server.started:
            break
        await asyncio.sleep(0.05)
    else:
        raise TimeoutError("uvicorn did not start")
    out = []
    try:
        for c in concurrency:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bench.certification",
                "--client",
                f"http://127.0.0.1:{port}",
                "--verifications",
                str(requests),
                "--concurrency",
                str(c),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
            )
            stdout, _ = await proc.communicate("\n".join(codes).encode())
            figures = json.loads(stdout)
            figures["load_after"] = load()
            say(f"  verify over port, concurrency {c}: {figures}")
            out.append(figures)
    finally:
        server.should_exit = True
        await task
    return out


async def client_main(base: str, codes: list[str], requests: int, concurrency: int) -> None:
    """The load generator (a separate process): closed loop, `concurrency` workers."""
    picks = [random.Random(k).choice(codes) for k in range(requests)]
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:
        for code in picks[: min(20, requests)]:  # warm up connections and caches
            await http.get(f"/verify/{code}")
        queue = iter(picks)

        async def worker() -> None:
            for code in queue:
                t = time.perf_counter()
                r = await http.get(f"/verify/{code}")
                latencies.append(time.perf_counter() - t)
                status = r.json().get("status", str(r.status_code))
                statuses[status] = statuses.get(status, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    print(
        json.dumps(
            {
                "requests": requests,
                "concurrency": concurrency,
                "via": "uvicorn on 127.0.0.1, load from a separate process (httpx keep-alive)",
                "seconds": round(elapsed, 3),
                "per_second": round(requests / elapsed, 1),
                "statuses": statuses,
                **percentiles(latencies),
            }
        )
    )


async def main(args: argparse.Namespace) -> dict[str, Any]:
    configure_logging("bench", "json", "warning")
    body = json.dumps(events.completed("icmpd:e-x", "icmpd:p-x")).encode()
    concurrency = [int(c) for c in args.concurrency.split(",")]
    result: dict[str, Any] = {"targets": TARGETS, "load_before": load()}
    say(f"load before: {result['load_before']}")
    with embedded_servers() as servers:
        result["baseline"] = await baseline(servers, args.baseline, body)
        say(f"certification: {args.certificates} completions, one replica")
        result.update(
            await run_certification(
                servers.nats_url,
                servers.admin_dsn,
                args.certificates,
                args.pdfs,
                args.verifications,
                concurrency,
            )
        )
    base = result["baseline"]["per_second"]
    issued = result["issuance"]["per_second"]
    result["ratio_issuance_to_baseline"] = round(issued / base, 3)
    say("")
    say(f"baseline (trivial handler)             {base:8.1f} msg/s")
    say(
        f"certificates issued (sign+persist+event) {issued:6.1f} /s  "
        f"ratio to baseline {issued / base:.3f}  (target >= 200/s: "
        f"{'met' if issued >= 200 else 'MISSED'})"
    )
    pdf = result["pdf"]["per_second"]
    say(f"PDF renders (GET .pdf, on request)     {pdf:8.1f} /s  p50 {result['pdf']['p50_ms']} ms")
    for v in result["verify"]:
        ok = "met" if v["p99_ms"] <= 20 else "MISSED"
        say(
            f"GET /verify c={v['concurrency']:<2}                    {v['per_second']:8.1f} req/s "
            f"p50 {v['p50_ms']} p95 {v['p95_ms']} p99 {v['p99_ms']} ms (p99 <= 20 ms: {ok}); "
            f"ratio to baseline {v['per_second'] / base:.3f}"
        )
    result["load_after"] = load()
    say(f"load after: {result['load_after']}")
    say(f"wrote {write_result('certification', result)}")
    return result


def cli() -> None:
    p = argparse.ArgumentParser(prog="bench.certification")
    p.add_argument("--certificates", type=int, default=500)
    p.add_argument("--baseline", type=int, default=2000, help="baseline messages")
    p.add_argument("--pdfs", type=int, default=30, help="PDFs rendered for the sample")
    p.add_argument("--verifications", type=int, default=1000, help="per concurrency level")
    p.add_argument("--concurrency", default="1,2,4,16", help="comma-separated levels")
    p.add_argument("--client", metavar="URL", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.client:
        codes = sys.stdin.read().split()
        asyncio.run(client_main(args.client, codes, args.verifications, int(args.concurrency)))
    else:
        asyncio.run(main(args))


if __name__ == "__main__":
    cli()
