"""The full chain at rising load: intake -> enrolment decision -> e-mail accepted by SMTP
-> report projection updated, on the whole network as `cohort up` runs it.

Setup (not timed): a course, sessions with room for everyone, and the participants.
Then, for each offered load, enrolment requests are published at that rate for a few
seconds. Per request we time: the `enrolment.confirmed` event (core NATS subscription),
the confirmation e-mail accepted by the local SMTP catcher, and the reporting service's
projection row (polled every 20 ms). Chain latency = the later of e-mail and report.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import asyncpg
import nats
from cohort_cli.stack import Stack

from tests import factories

from .common import percentiles, say
from .network import service_rss_mb

AGENCY = "iom"


def _event(type_: str, subject: str, data: dict[str, Any], n: int) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": f"bench-{type_}-{subject}-{n}",
        "source": "iom/bench",
        "type": type_,
        "time": "2024-01-10T08:00:00+00:00",
        "subject": subject,
        "datacontenttype": "application/json",
        "agency": AGENCY,
        "data": data,
    }


def setup_events(people: int, sessions: int) -> list[dict[str, Any]]:
    course = "iom:bench-course"
    out = [
        _event(
            "course.published.v1",
            course,
            factories.course_data(
                course,
                title={"en": "Bench"},
                hours=10,
                completion_rule=factories.completion_rule(0.5, None, False),
            ),
            0,
        )
    ]
    for s in range(sessions):
        sid = f"iom:bench-s{s}"
        out.append(
            _event(
                "session.scheduled.v1",
                sid,
                {
                    "session_id": sid,
                    "course_id": course,
                    "office": "IOM",
                    "country": "COM",
                    "city": "Moroni",
                    "venue": "Hall",
                    "start_date": "2024-03-01",
                    "end_date": "2024-03-02",
                    "timezone": "Indian/Comoro",
                    "mode": "in_person",
                    "languages": ["fr"],
                    "capacity": people,
                    "waitlist_capacity": 0,
                    "audience": ["government"],
                    "partners": [],
                    "funding": [],
                    "facilitators": [],
                    "enrolment_closes_at": "2024-02-28T00:00:00+00:00",
                    "organiser_email": "organiser@bench.example",
                },
                s,
            )
        )
    for p in range(people):
        pid = f"iom:bench-p{p}"
        out.append(
            _event(
                "participant.registered.v1",
                pid,
                factories.participant(
                    pid,
                    given_name="Bench",
                    family_name=f"P{p}",
                    email=f"p{p}@bench.example",
                    organisation={"name": "Ministry", "kind": "government"},
                )["data"],
                p,
            )
        )
    return out


def request(p: int, sessions: int) -> dict[str, Any]:
    eid = f"iom:bench-e{p}"
    return _event(
        "enrolment.requested.v1",
        eid,
        {
            "enrolment_id": eid,
            "session_id": f"iom:bench-s{p % sessions}",
            "participant_id": f"iom:bench-p{p}",
        },
        p,
    )


async def publish(js: Any, event: dict[str, Any]) -> None:
    subject = f"intake.{AGENCY}.{event['type'].rsplit('.', 1)[0]}"
    await js.publish(subject, json.dumps(event).encode(), headers={"Nats-Msg-Id": event["id"]})


async def wait_drained(js: Any, timeout: float = 300) -> None:
    from cohort_contracts.streams import CONSUMERS

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pending = 0
        for c in CONSUMERS:
            info = await js.consumer_info(c.stream, c.durable)
            pending += (info.num_pending or 0) + (info.num_ack_pending or 0)
        if pending == 0:
            return
        await asyncio.sleep(0.5)


async def run_level(
    stack: Stack, js: Any, nc: Any, rate: float, seconds: float, first: int, sessions: int
) -> dict[str, Any]:
    count = int(rate * seconds)
    ids = list(range(first, first + count))
    sent: dict[int, float] = {}
    decided: dict[int, float] = {}
    mailed: dict[int, float] = {}
    reported: dict[int, float] = {}

    async def on_decision(msg: Any) -> None:
        eid = json.loads(msg.data)["data"]["enrolment_id"]
        decided[int(eid.rsplit("e", 1)[1])] = time.time()

    sub = await nc.subscribe("enrolment.confirmed", cb=on_decision)
    assert stack.mail is not None
    mail_seen = len(stack.mail.arrivals)
    report_dsn = f"postgresql://postgres@127.0.0.1:{stack.options.pg_port}/cohort_reporting"
    con = await asyncpg.connect(report_dsn)

    async def poll_reports() -> None:
        wanted = {f"iom:bench-e{i}": i for i in ids}
        while len(reported) < count:
            rows = await con.fetch(
                "SELECT enrolment_id FROM r_enrolment WHERE confirmed "
                "AND enrolment_id = any($1::text[])",
                [k for k, i in wanted.items() if i not in reported],
            )
            now = time.time()
            for r in rows:
                reported[wanted[r["enrolment_id"]]] = now
            await asyncio.sleep(0.02)

    poller = asyncio.ensure_future(poll_reports())
    started = time.monotonic()
    for n, i in enumerate(ids):
        delay = started + n / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        sent[i] = time.time()
        await publish(js, request(i, sessions))
    deadline = time.monotonic() + seconds + 60
    while time.monotonic() < deadline:
        for when, rcpts in stack.mail.arrivals[mail_seen:]:
            for r in rcpts:
                if r.startswith("p") and r.endswith("@bench.example"):
                    mailed.setdefault(int(r[1:].split("@")[0]), when)
        mail_seen = len(stack.mail.arrivals)
        if len(mailed) >= count and len(reported) >= count and len(decided) >= count:
            break
        await asyncio.sleep(0.05)
    poller.cancel()
    await sub.unsubscribe()
    await con.close()
    done = [i for i in ids if i in mailed and i in reported]
    chain = [max(mailed[i], reported[i]) - sent[i] for i in done]
    span = (
        (max(max(mailed[i], reported[i]) for i in done) - min(sent[i] for i in done)) if done else 0
    )
    return {
        "offered_per_s": rate,
        "requests": count,
        "completed": len(done),
        "achieved_per_s": round(len(done) / span, 1) if span else 0.0,
        "decision": percentiles([decided[i] - sent[i] for i in ids if i in decided]),
        "email": percentiles([mailed[i] - sent[i] for i in ids if i in mailed]),
        "report": percentiles([reported[i] - sent[i] for i in ids if i in reported]),
        "chain": percentiles(chain),
        "rss_mb": service_rss_mb(stack),
    }


async def run_chain(stack: Stack, levels: list[float], seconds: float) -> list[dict[str, Any]]:
    total = int(sum(levels) * seconds) + 10
    sessions = 20
    nc = await nats.connect(stack.nats_url)
    js = nc.jetstream()
    say(f"chain: setting up {total} participants in {sessions} sessions")
    for event in setup_events(total, sessions):
        await publish(js, event)
    await wait_drained(js)
    results: list[dict[str, Any]] = []
    first = 0
    for rate in levels:
        say(f"chain: offered {rate:.0f} requests/s for {seconds:.0f}s")
        level = await run_level(stack, js, nc, rate, seconds, first, sessions)
        first += level["requests"]
        say(
            f"  achieved {level['achieved_per_s']}/s, chain p50 {level['chain'].get('p50_ms')} "
            f"ms, p99 {level['chain'].get('p99_ms')} ms ({level['completed']}/{level['requests']})"
        )
        results.append(level)
        await wait_drained(js)
        if level["completed"] < level["requests"] or level["achieved_per_s"] < 0.8 * rate:
            say("  the network no longer keeps up: stopping the ramp")
            break
    await nc.drain()
    return results
