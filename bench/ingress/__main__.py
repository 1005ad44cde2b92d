"""`python -m bench.ingress`: events stored per second through the HTTP ingress, against
direct JetStream publishing in the same run, on one loopback machine.

Both sides store the same `--events` participant events (default 10,000) from `--clients`
concurrent clients (default 8), each waiting for every confirmation before going on:
- direct: `js.publish` with `Nats-Msg-Id`, one PubAck at a time per client;
- ingress: `POST /v1/events` batches of `--batch` (default 100) to a real `cohort-ingress`
  process on a loopback port, with a real bearer token from the development issuer.
Afterwards INTAKE must hold every id exactly once (nothing lost, nothing duplicated), and
each batch's events in array order. Writes bench/results/ingress-<time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import nats
from cohort_cli.devissuer import DevIssuer
from cohort_cli.embedded import EmbeddedNats, free_port
from cohort_contracts.streams import TOPOLOGY
from cohort_kit.auth import Registry
from cohort_kit.topology import provision

from tests import factories

from ..common import say, write_result

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = ROOT / "deploy" / "access.yaml"


def participant(n: int, run: str) -> dict[str, Any]:
    pid = f"iom:p-{run}-{n}"
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "iom/bench",
        "type": "participant.registered.v1",
        "time": "2026-01-05T08:00:00+00:00",
        "subject": pid,
        "datacontenttype": "application/json",
        "agency": "iom",
        "data": factories.participant(pid, email=f"p{n}.{run}@example.org")["data"],
    }


async def direct(url: str, events: list[dict[str, Any]], clients: int) -> float:
    shares = [events[i::clients] for i in range(clients)]

    async def client(share: list[dict[str, Any]]) -> None:
        nc = await nats.connect(url)
        js = nc.jetstream()
        for e in share:
            subject = "intake.iom.participant.registered"
            await js.publish(subject, json.dumps(e).encode(), headers={"Nats-Msg-Id": e["id"]})
        await nc.drain()

    started = time.perf_counter()
    await asyncio.gather(*(client(s) for s in shares))
    return time.perf_counter() - started


async def through_ingress(
    base: str, token: str, events: list[dict[str, Any]], clients: int, size: int
) -> tuple[float, list[list[str]]]:
    batches = [events[i : i + size] for i in range(0, len(events), size)]
    queue: asyncio.Queue[list[dict[str, Any]]] = asyncio.Queue()
    for b in batches:
        queue.put_nowait(b)
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/cloudevents-batch+json",
    }
    sent: list[list[str]] = []

    async def client() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=120) as http:
            while not queue.empty():
                batch = queue.get_nowait()
                answer = await http.post("/v1/events", content=json.dumps(batch), headers=headers)
                answer.raise_for_status()
                statuses = {r["status"] for r in answer.json()["results"]}
                assert statuses == {"accepted"}, statuses
                sent.append([e["id"] for e in batch])

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return time.perf_counter() - started, sent


async def stored_ids(url: str) -> list[str]:
    nc = await nats.connect(url)
    js = nc.jetstream()
    sub = await js.subscribe("intake.>", ordered_consumer=True)
    info = await js.stream_info("INTAKE")
    ids = []
    for _ in range(info.state.messages):
        msg = await sub.next_msg(timeout=10)
        ids.append(json.loads(msg.data)["id"])
    await nc.drain()
    return ids


async def wait_ready(base: str, proc: asyncio.subprocess.Process) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=1) as http:
        for _ in range(300):
            if proc.returncode is not None:
                raise RuntimeError(f"ingress exited with {proc.returncode}")
            try:
                if (await http.get("/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("ingress not ready")


async def main(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="cohort-bench-ingress-") as tmp:
        server = EmbeddedNats(Path(tmp) / "nats", free_port(), sync_always=True).start()
        issuer = DevIssuer(Path(tmp) / "issuer", registry=Registry.load(REGISTRY)).start()
        port = free_port()
        env = {
            **os.environ,
            "COHORT_NATS_URL": server.url,
            "COHORT_HTTP_PORT": str(port),
            "COHORT_LOG_LEVEL": "warning",
            "COHORT_RATE_LIMIT_PER_MINUTE": "0",
            "COHORT_AUTH_ISSUER": issuer.issuer,
            "COHORT_AUTH_JWKS_URL": issuer.jwks_url,
            "COHORT_AUTH_REGISTRY": str(REGISTRY),
        }
        proc = None
        try:
            nc = await nats.connect(server.url)
            await provision(nc.jetstream(), TOPOLOGY)
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "cohort_ingress", env=env
            )
            base = f"http://127.0.0.1:{port}"
            await wait_ready(base, proc)

            events = [participant(n, "d") for n in range(args.events)]
            direct_s = await direct(server.url, events, args.clients)
            direct_ids = await stored_ids(server.url)
            assert sorted(direct_ids) == sorted(e["id"] for e in events)
            await nc.jetstream().purge_stream("INTAKE")
            say(f"direct: {args.events / direct_s:,.0f} events/s")

            events = [participant(n, "h") for n in range(args.events)]
            token = issuer.mint("agency:iom", lifetime=3600)
            http_s, sent = await through_ingress(base, token, events, args.clients, args.batch)
            ids = await stored_ids(server.url)
            expected = {e["id"] for e in events}
            lost, duplicated = len(expected - set(ids)), len(ids) - len(set(ids))
            position = {eid: i for i, eid in enumerate(ids)}
            in_order = all(
                [position[i] for i in batch] == sorted(position[i] for i in batch) for batch in sent
            )
            say(f"ingress: {args.events / http_s:,.0f} events/s; lost {lost}, dup {duplicated}")
            await nc.drain()
        finally:
            if proc is not None and proc.returncode is None:
                proc.terminate()
                await proc.wait()
            issuer.stop()
            server.stop()
    return {
        "events": args.events,
        "clients": args.clients,
        "batch": args.batch,
        "direct_events_per_s": round(args.events / direct_s, 1),
        "ingress_events_per_s": round(args.events / http_s, 1),
        "ratio": round(direct_s / http_s, 3),
        "lost": lost,
        "duplicated": duplicated,
        "batches_in_array_order": in_order,
        "nats_sync_interval": "always",
    }


def cli() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--events", type=int, default=10_000)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--batch", type=int, default=100)
    result = asyncio.run(main(p.parse_args()))
    say(json.dumps(result))
    say(f"wrote {write_result('ingress', result)}")
    if result["lost"] or result["duplicated"] or not result["batches_in_array_order"]:
        sys.exit(1)


if __name__ == "__main__":
    cli()
