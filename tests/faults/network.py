"""Run the whole network on a scenario, optionally with faults, and read its final state."""

from __future__ import annotations

import asyncio
import email
import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import nats
from cohort_cli.embedded import free_port
from cohort_cli.services import SERVICES, database_name
from cohort_cli.stack import Stack, StackOptions
from cohort_contracts.streams import CONSUMERS

from bench.network import _base_port
from tests.faults.identity import Identities

OUTPUT_STREAMS = ("ENROLMENT", "CERTIFICATION", "NOTIFICATION", "REPORTS", "DEADLETTER")


@dataclass
class FinalState:
    events: dict[str, Counter[str]] = field(default_factory=dict)  # stream -> "subject id"
    reports: Counter[str] = field(default_factory=Counter)  # subject + figures sans provenance
    message_ids: Counter[str] = field(default_factory=Counter)  # e-mails by Message-ID
    digested_items: int = 0  # organiser digest items that went out in some digest
    faults: list[str] = field(default_factory=list)


def new_stack(root: Path) -> Stack:
    return Stack(
        StackOptions(
            data_dir=root,
            nats_port=free_port(),
            pg_port=free_port(),
            http_port_base=_base_port(),
            smtp_port=free_port(),
            quiet=True,
        )
    )


async def publish_all(nats_url: str, events: list[dict[str, Any]], rate: float) -> None:
    """Publish at `rate` per second; retry each event (same id) until NATS acknowledges it."""
    nc = await nats.connect(nats_url, max_reconnect_attempts=-1, reconnect_time_wait=0.5)
    js = nc.jetstream(timeout=2)
    started = time.monotonic()
    for i, event in enumerate(events):
        delay = started + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        subject = f"intake.{event['agency']}.{event['type'].rsplit('.', 1)[0]}"
        body = json.dumps(event).encode()
        while True:
            try:
                await js.publish(subject, body, headers={"Nats-Msg-Id": event["id"]})
                break
            except Exception:
                await asyncio.sleep(0.5)
    await nc.drain()


async def inject_faults(stack: Stack, seed: int, duration: float) -> list[str]:
    """SIGKILL every service twice at random moments, restart NATS, stop PostgreSQL 30 s."""
    rng = random.Random(seed)
    plan: list[tuple[float, str, str]] = []
    for service in SERVICES:
        for _ in range(2):
            plan.append((rng.uniform(1, duration), "kill", service))
    plan.append((rng.uniform(duration * 0.2, duration * 0.4), "nats", ""))
    plan.append((rng.uniform(duration * 0.5, duration * 0.7), "postgres", ""))
    plan.sort()
    done: list[str] = []
    started = time.monotonic()

    def note(text: str) -> None:
        done.append(f"{time.monotonic() - started:.1f}s {text}")
        print(f"faults | {done[-1]}", flush=True)

    async def act(at: float, kind: str, service: str) -> None:
        # Each fault runs on its own clock, so kills also land while PostgreSQL is down.
        await asyncio.sleep(at)
        if kind == "kill":
            await stack.kill_service(service)
            await asyncio.sleep(rng.uniform(0.2, 2.0))
            await stack.restart_service(service)
            note(f"SIGKILL {service}, restarted")
        elif kind == "nats":
            await stack.restart_nats()
            note("NATS restarted")
        else:
            await stack.stop_postgres()
            note("PostgreSQL stopped")
            await asyncio.sleep(30)
            await stack.start_postgres()
            note("PostgreSQL back after 30 s")

    await asyncio.gather(*(act(*step) for step in plan))
    return done


async def wait_settled(stack: Stack, timeout: float = 900, quiet: float = 8.0) -> None:
    """Every consumer caught up, every outbox published, no new mail, for `quiet` seconds."""
    nc = await nats.connect(stack.nats_url)
    js = nc.jetstream()
    since: float | None = None
    deadline = time.monotonic() + timeout
    last_mail = -1
    last_print = time.monotonic()
    try:
        while time.monotonic() < deadline:
            pending = 0
            for c in CONSUMERS:
                info = await js.consumer_info(c.stream, c.durable)
                pending += (info.num_pending or 0) + (info.num_ack_pending or 0)
            pending += await _unpublished(stack)
            mail = stack.mail.received if stack.mail else 0
            if pending == 0 and mail == last_mail:
                since = since or time.monotonic()
                if time.monotonic() - since >= quiet:
                    return
            else:
                since = None
            last_mail = mail
            if time.monotonic() - last_print > 10:
                print(f"faults | settling: {pending} pending, {mail} e-mails", flush=True)
                last_print = time.monotonic()
            await asyncio.sleep(0.5)
        raise AssertionError(f"network did not settle in {timeout:.0f}s ({pending} pending)")
    finally:
        await nc.drain()


async def _stored(stack: Stack) -> list[tuple[str, str, dict[str, Any]]]:
    """(stream, subject, body) of every message of the output streams, in order."""
    stored = []
    nc = await nats.connect(stack.nats_url)
    js = nc.jetstream()
    try:
        for name in OUTPUT_STREAMS:
            info = await js.stream_info(name)
            for seq in range(info.state.first_seq, info.state.last_seq + 1):
                if not info.state.messages:
                    break
                msg = await js.get_msg(name, seq)
                stored.append((name, msg.subject, json.loads(msg.data)))
    finally:
        await nc.drain()
    return stored


async def _unpublished(stack: Stack) -> int:
    """Outbox rows not yet published, and e-mails not yet sent, across the services."""
    total = 0
    for service in SERVICES:
        dsn = f"postgresql://postgres@127.0.0.1:{stack.options.pg_port}/{database_name(service)}"
        con = await asyncpg.connect(dsn)
        try:
            total += await con.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
            if service == "notification":  # deliveries still to send (or leased by a dead worker)
                total += await con.fetchval(
                    "SELECT count(*) FROM deliveries WHERE status = 'pending'"
                )
        finally:
            await con.close()
    return total


async def read_state(stack: Stack) -> FinalState:
    """The output streams, reports and e-mails of one run, named by identity (see
    `identity`: certificate numbers follow arrival order, which faults change)."""
    state = FinalState()
    stored = await _stored(stack)
    ids = Identities([body for _, _, body in stored])
    for name in OUTPUT_STREAMS:
        state.events[name] = Counter()
    for name, subject, body in stored:
        what = body.get("data", {}).get("template", "") if name == "NOTIFICATION" else ""
        if what == "organiser_digest":
            continue  # compared by the items they carry (see FinalState.digested_items)
        who = ids.of(body["id"]) if "id" in body else body.get("reason")
        state.events[name][f"{ids.subject(subject)} {what} {who}".strip()] += 1
        if name == "REPORTS":
            figures = dict(body["data"].get("figures", {}))
            figures.pop("provenance", None)
            state.reports[subject + " " + json.dumps(figures, sort_keys=True)] += 1
    digests: set[str] = set()
    if stack.mail is not None:
        for path in sorted(stack.mail.folder.glob("*.eml")):
            mail = email.message_from_bytes(path.read_bytes())
            if str(mail["To"]).startswith("organiser-"):
                digests.add(mail["Message-ID"])
                continue
            state.message_ids[ids.message(mail["Message-ID"])] += 1
    dsn = f"postgresql://postgres@127.0.0.1:{stack.options.pg_port}/cohort_notification"
    con = await asyncpg.connect(dsn)
    try:
        state.digested_items = await con.fetchval(
            "SELECT count(*) FROM digest_items WHERE digested"
        )
    finally:
        await con.close()
    return state
