"""`uv run python -m bench.notification`: e-mails per second to a local SMTP sink, and
latency from publishing `enrolment.confirmed` to the e-mail's SMTP acceptance.

In one run, on fresh embedded servers: the baseline (a trivial FastStream JetStream pull
handler, `bench.baseline`, body the size of a confirmation event), then the notification
service (one replica, in this process, settings as deployed unless overridden) with a local
aiosmtpd sink (`cohort_cli.mailsink.MailSink`, keeps every message as `.eml`) in a
separate process, as a real SMTP server would be.

Setup (not timed): a course, sessions (far in the future, so each confirmation also
schedules its two reminders, as in production) and participants, through INTAKE.
Then two phases on the ENROLMENT stream (subject `enrolment.confirmed`, `Nats-Msg-Id`):

- throughput: `--messages` confirmations published as fast as PubAcks allow; e-mails per
  second = messages / (first publish -> last SMTP acceptance);
- latency: `--paced` confirmations at `--rate` per second (below saturation); per e-mail,
  publish -> SMTP acceptance (wall clock, same machine), p50/p95/p99.

Each participant receives exactly one e-mail per phase, so the sink's recipient identifies
the confirmation. Writes bench/results/notification-*.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import nats
from cohort_contracts.streams import TOPOLOGY
from cohort_kit import Runtime
from cohort_kit.db import ensure_database, with_database
from cohort_kit.logs import configure_logging
from cohort_kit.topology import provision
from cohort_notification.app import definition
from cohort_notification.settings import NotificationSettings

from bench import common
from bench.baseline import run_baseline
from bench.common import embedded_servers, percentiles, say, write_result
from bench.notification.sink import SinkProcess
from tests import factories

AGENCY = "iom"
LANGUAGES = ("fr", "en", "ar")
FAR = date.today() + timedelta(days=400)  # reminders scheduled, none due during the run


def _event(type_: str, data: dict[str, Any], subject: str, source: str) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": source,
        "type": type_,
        "time": datetime.now(UTC).isoformat(),
        "subject": subject,
        "datacontenttype": "application/json",
        "agency": AGENCY,
        "data": data,
    }


def course() -> dict[str, Any]:
    cid = "iom:bench-course"
    data = factories.course_data(
        cid,
        title={"en": "Essentials of Migration Management", "fr": "Essentiels de la GM"},
        completion_rule=factories.completion_rule(pass_mark=None, evaluation_required=False),
    )
    return _event("course.published.v1", data, cid, "iom/bench")


def session(k: int) -> dict[str, Any]:
    sid = f"iom:s-{k}"
    data = {
        "session_id": sid,
        "course_id": "iom:bench-course",
        "office": "IOM Comoros",
        "country": "COM",
        "city": "Moroni",
        "venue": "Hotel Le Moroni",
        "start_date": FAR.isoformat(),
        "end_date": (FAR + timedelta(days=4)).isoformat(),
        "timezone": "Indian/Comoro",
        "mode": "in_person",
        "languages": ["fr", "ar"] if k % 2 else ["en"],
        "capacity": 1000,
        "waitlist_capacity": 0,
        "enrolment_closes_at": (datetime.now(UTC) + timedelta(days=300)).isoformat(),
        "organiser_email": f"organiser-{k}@example.org",
    }
    return _event("session.scheduled.v1", data, sid, "iom/bench")


def participant(n: int) -> dict[str, Any]:
    pid = f"iom:p-{n}"
    data = {
        "participant_id": pid,
        "given_name": "Fatima",
        "family_name": "Said Ali",
        "email": address(n),
        "sex": "female",
        "nationality": "COM",
        "country_of_residence": "COM",
        "organisation": {"name": "MIIDAT", "kind": "government"},
        "preferred_language": LANGUAGES[n % len(LANGUAGES)],
        "consent": {"contact": True, "statistics": True},
    }
    return _event("participant.registered.v1", data, pid, "iom/bench")


def address(n: int) -> str:
    return f"iom.p-{n}@example.org"


def confirmed(n: int, sessions: int) -> dict[str, Any]:
    eid = f"iom:e-{n}"
    data = {
        "enrolment_id": eid,
        "session_id": f"iom:s-{n % sessions}",
        "participant_id": f"iom:p-{n}",
        "seat": 1 + n // sessions,
        "promoted_from_waitlist": False,
    }
    return _event("enrolment.confirmed.v1", data, eid, "cohort/enrolment")


async def _wait_mail(sink: SinkProcess, expected: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while sink.received < expected:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the SMTP sink got {sink.received} of {expected} e-mails")
        await asyncio.sleep(0.02)


async def _phase(
    js: Any,
    dsn: str,
    sink: SinkProcess,
    people: range,
    sessions: int,
    rate: float | None,
) -> dict[str, Any]:
    """Publish one confirmation per person (paced at `rate`/s, or full speed); time e-mails."""
    seen = sink.received
    events = [confirmed(n, sessions) for n in people]
    sent: dict[str, float] = {}
    started_wall = time.time()
    started = time.perf_counter()
    for i, (n, event) in enumerate(zip(people, events, strict=True)):
        if rate is not None:
            delay = started + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        sent[address(n)] = time.time()  # the sink stamps arrivals with time.time()
        await js.publish(
            "enrolment.confirmed", json.dumps(event).encode(), headers={"Nats-Msg-Id": event["id"]}
        )
    published = time.perf_counter() - started
    await _wait_mail(sink, seen + len(events), timeout=300)
    arrivals = sink.arrivals[seen : seen + len(events)]
    latencies = []
    for when, rcpts in arrivals:
        for rcpt in rcpts:
            if rcpt in sent:
                latencies.append(when - sent.pop(rcpt))
    if sent:
        raise RuntimeError(
            f"{len(sent)} confirmations without their e-mail, e.g. {next(iter(sent))}"
        )
    last = max(when for when, _ in arrivals)
    elapsed = last - started_wall
    # When the handler had decided (delivery row committed) vs when SMTP accepted: tells
    # whether the consumer or the delivery worker sets the pace.
    con = await asyncpg.connect(dsn)
    try:
        decided = await con.fetchval(
            "SELECT extract(epoch FROM max(created_at)) FROM deliveries "
            "WHERE address = any($1::text[])",
            [address(n) for n in people],
        )
    finally:
        await con.close()
    return {
        "emails": len(events),
        "offered_rate_per_second": rate,
        "publish_seconds": round(published, 3),
        "seconds": round(elapsed, 3),
        "per_second": round(len(events) / elapsed, 1),
        "all_decided_after_seconds": round(float(decided) - started_wall, 3),
        **percentiles(latencies),
    }


def _settings(nats_url: str, dsn: str, smtp_port: int, args: argparse.Namespace) -> Any:
    values: dict[str, Any] = {
        "nats_url": nats_url,
        "database_url": dsn,
        "http_port": 0,
        "log_level": "warning",
        "smtp_port": smtp_port,
    }
    for name in ("delivery_poll_seconds", "delivery_concurrency", "delivery_batch", "db_pool_max"):
        if getattr(args, name) is not None:
            values[name] = getattr(args, name)
    return NotificationSettings(**values)


async def run_notification(
    nats_url: str, admin_dsn: str, args: argparse.Namespace
) -> dict[str, Any]:
    await ensure_database(admin_dsn, "notification_bench")
    dsn = with_database(admin_dsn, "notification_bench")
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await provision(js, TOPOLOGY)
    total = args.messages + args.paced
    with tempfile.TemporaryDirectory(prefix="cohort-bench-mail-") as tmp:
        sink = SinkProcess(Path(tmp)).start()
        settings = _settings(nats_url, dsn, sink.port, args)
        runtime = Runtime(definition, settings)
        await runtime.start()
        try:
            await common.publish_intake(js, [course()])
            await common.publish_intake(js, [session(k) for k in range(args.sessions)])
            await common.publish_intake(js, [participant(n) for n in range(total)])
            await common.wait_inbox(dsn, 1 + args.sessions + total)
            say(f"  {total} participants and {args.sessions} sessions applied")

            say(f"  throughput: {args.messages} confirmations at full speed")
            burst = await _phase(js, dsn, sink, range(args.messages), args.sessions, None)
            say(f"    {burst}")
            await asyncio.sleep(1.0)  # let the relay publish the burst's outbox rows
            say(f"  latency: {args.paced} confirmations at {args.rate}/s")
            paced = await _phase(
                js, dsn, sink, range(args.messages, total), args.sessions, args.rate
            )
            say(f"    {paced}")
            con = await asyncpg.connect(dsn)
            try:
                statuses = dict(
                    await con.fetch("SELECT status, count(*) FROM deliveries GROUP BY status")
                )
                in_doubt = await con.fetchval("SELECT count(*) FROM deliveries WHERE in_doubt")
            finally:
                await con.close()
        finally:
            await runtime.stop()
            sink.stop()
            await nc.drain()
    return {
        "throughput": burst,
        "latency": paced,
        "deliveries_by_status": statuses,
        "deliveries_in_doubt": in_doubt,
        "emails_at_sink": sink.received,
        "settings": {
            "delivery_poll_seconds": settings.delivery_poll_seconds,
            "delivery_batch": settings.delivery_batch,
            "delivery_concurrency": settings.delivery_concurrency,
            "delivery_wake": "LISTEN cohort_notification_deliveries (pg_notify on each insert)",
            "relay_poll_seconds": settings.relay_poll_seconds,
            "db_pool_max": settings.db_pool_max,
            "smtp": f"{settings.smtp_connections} kept sessions, no TLS/auth, local aiosmtpd",
        },
        "sessions": args.sessions,
    }


async def main(args: argparse.Namespace) -> dict[str, Any]:
    configure_logging("bench", "json", "warning")
    body = json.dumps(confirmed(0, 1)).encode()  # same size as a confirmation event
    result: dict[str, Any] = {
        "load_before": os.getloadavg(),
        "cpus": os.cpu_count(),
    }
    with embedded_servers() as servers:
        say(f"baseline: trivial FastStream pull handler, {args.messages} messages")
        result["baseline"] = await run_baseline(servers.nats_url, args.messages, body)
        say(f"  {result['baseline']}")
        say("notification: one replica, local aiosmtpd sink")
        result["notification"] = await run_notification(servers.nats_url, servers.admin_dsn, args)
    result["load_after"] = os.getloadavg()
    base, note = result["baseline"], result["notification"]
    ratio = note["throughput"]["per_second"] / base["per_second"]
    result["ratio_throughput_to_baseline"] = round(ratio, 3)
    # Both under a full-speed burst: queueing included on each side.
    result["ratio_burst_p50_to_baseline_p50"] = round(
        note["throughput"]["p50_ms"] / base["p50_ms"], 1
    )
    s = note["settings"]
    say(
        f"settings: delivery_poll_seconds={s['delivery_poll_seconds']} "
        f"delivery_batch={s['delivery_batch']} delivery_concurrency={s['delivery_concurrency']} "
        f"db_pool_max={s['db_pool_max']}, LISTEN wake-up on insert"
    )
    t, lat = note["throughput"], note["latency"]
    say(
        f"throughput: {t['per_second']} e-mails/s accepted by SMTP "
        f"(baseline {base['per_second']} msg/s, ratio {ratio:.3f}); all decided after "
        f"{t['all_decided_after_seconds']} s of {t['seconds']} s"
    )
    say(
        f"burst latency: p50 {t['p50_ms']} ms, p99 {t['p99_ms']} ms (baseline burst p50 "
        f"{base['p50_ms']} ms, ratio {result['ratio_burst_p50_to_baseline_p50']})"
    )
    say(
        f"latency at {lat['offered_rate_per_second']}/s: p50 {lat['p50_ms']} ms, "
        f"p95 {lat['p95_ms']} ms, p99 {lat['p99_ms']} ms "
        "(paced; the baseline has no paced run)"
    )
    say(f"load average before {result['load_before']}, after {result['load_after']}")
    say(f"wrote {write_result('notification', result)}")
    return result


def cli() -> None:
    p = argparse.ArgumentParser(prog="bench.notification")
    p.add_argument("--messages", type=int, default=500, help="confirmations at full speed")
    p.add_argument("--paced", type=int, default=300, help="confirmations for latency")
    p.add_argument("--rate", type=float, default=10.0, help="paced confirmations per second")
    p.add_argument("--sessions", type=int, default=20)
    p.add_argument("--delivery-poll-seconds", dest="delivery_poll_seconds", type=float)
    p.add_argument("--delivery-concurrency", dest="delivery_concurrency", type=int)
    p.add_argument("--delivery-batch", dest="delivery_batch", type=int)
    p.add_argument("--db-pool-max", dest="db_pool_max", type=int)
    asyncio.run(main(p.parse_args()))


if __name__ == "__main__":
    cli()
