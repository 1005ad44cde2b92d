"""1,000 concurrent requests for 30 seats and 20 waitlist places, two replicas."""

from __future__ import annotations

import asyncio
import json
from collections import Counter

import pytest

from tests.enrolment import builders as b
from tests.enrolment.conftest import decisions
from tests.harness import eventually, publish_event, rows, value

pytestmark = pytest.mark.integration

N = 1000


async def inbox_count(database_url: str) -> int:
    return await value(database_url, "SELECT count(*) FROM inbox")  # type: ignore[no-any-return]


async def test_two_replicas_never_confirm_more_than_capacity_and_keep_intake_order(
    js, nats_url, database_url
):
    replicas = [b.runtime(nats_url, database_url) for _ in range(2)]
    for replica in replicas:
        await replica.start()
    try:
        await publish_event(js, b.course())
        await publish_event(js, b.session(capacity=30, waitlist=20))
        people = [b.participant(f"iom:p-{n:04d}") for n in range(N)]
        await asyncio.gather(*(publish_event(js, p) for p in people))
        await eventually(lambda: _at_least(inbox_count(database_url), N + 2), timeout=60)

        requests = [b.request(f"iom:e-{n:04d}", f"iom:p-{n:04d}") for n in range(N)]
        acks = await asyncio.gather(
            *(
                js.publish(
                    "intake.iom.enrolment.requested",
                    json.dumps(r).encode(),
                    headers={"Nats-Msg-Id": r["id"]},
                )
                for r in requests
            )
        )
        intake_seq = {
            r["data"]["enrolment_id"]: ack.seq for r, ack in zip(requests, acks, strict=True)
        }
        assert len(set(intake_seq.values())) == N

        events = await eventually(lambda: _decided(js), timeout=120)
    finally:
        for replica in replicas:
            await replica.stop()

    final: dict[str, dict] = {}  # the last word on each enrolment
    for e in events:
        final[e["subject"]] = e
    kinds = Counter(e["type"] for e in final.values())
    assert kinds == {
        "enrolment.confirmed.v1": 30,
        "enrolment.waitlisted.v1": 20,
        "enrolment.rejected.v1": 950,
    }
    first_words = Counter(e["subject"] for e in events if e["type"] != "enrolment.waitlisted.v1")
    assert max(first_words.values()) == 1  # nobody was confirmed or rejected twice
    confirmed = [e["data"] for e in final.values() if e["type"] == "enrolment.confirmed.v1"]
    assert sorted(d["seat"] for d in confirmed) == list(range(1, 31))
    rejected = [e["data"] for e in final.values() if e["type"] == "enrolment.rejected.v1"]
    assert {d["reason"] for d in rejected} == {"session_full"}
    participants = [e["data"]["participant_id"] for e in final.values()]
    assert len(participants) == len(set(participants)) == N

    waitlist = sorted(
        (e["data"] for e in final.values() if e["type"] == "enrolment.waitlisted.v1"),
        key=lambda d: d["position"],
    )
    assert [d["position"] for d in waitlist] == list(range(1, 21))
    seqs = [intake_seq[d["enrolment_id"]] for d in waitlist]
    assert seqs == sorted(seqs), "waitlist positions must follow the INTAKE order"

    by_status = await rows(
        database_url, "SELECT status, count(*) AS n FROM enrolments GROUP BY status ORDER BY status"
    )
    assert {r["status"]: r["n"] for r in by_status} == {
        "confirmed": 30,
        "waitlisted": 20,
        "rejected": 950,
    }


async def _decided(js):
    events = await decisions(js)
    return events if len({e["subject"] for e in events}) >= N else None


async def _at_least(fetch, n):
    return (await fetch) >= n
