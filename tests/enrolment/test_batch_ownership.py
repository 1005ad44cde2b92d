"""Ownership in a batch (one look-up, claims written once) decides exactly as one at a time.

The same backlog, mixing owners, foreign events and new claims (one of them by a request
whose handler fails and is retried), is applied once with batches and once one message
at a time; the dead letters, the decisions and the ownership table must be the same.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.enrolment import builders as b
from tests.enrolment.conftest import deadletters, decisions
from tests.harness import eventually, publish_event

pytestmark = pytest.mark.integration


def backlog() -> list[dict[str, Any]]:
    req_foreign = b.request("e-x", "iom:p-1", "iom:s-1", agency="unhcr")  # iom's session
    late = b.request("e-late", "iom:p-1", "iom:s-none")  # unknown session: retried, claims
    return [
        b.course("iom:c-1"),
        b.session("iom:s-1", capacity=2, waitlist=0),
        b.participant("iom:p-1"),
        b.participant("p-free", agency="unhcr"),  # no namespace: the first publisher owns it
        b.participant("p-free", agency="iom"),  # not_owner: claimed earlier in the batch
        b.request("iom:e-1", "iom:p-1", "iom:s-1"),  # confirmed, claims iom:e-1
        req_foreign,  # not_owner, and claims nothing
        late,
        b.withdrawn("e-late", agency="unhcr"),  # not_owner: claimed by the retried request
        b.withdrawn("iom:e-1", agency="unhcr"),  # not_owner
        b.session("unhcr:s-2", course_id="iom:c-1", agency="unhcr"),  # not_owner: iom's course
        b.request("e-x", "p-free", "iom:s-1", agency="iom"),  # not_owner: p-free is unhcr's
    ]


FOREIGN = [4, 6, 8, 9, 10, 11]  # positions in the backlog of the not_owner events


@pytest.mark.parametrize("batch_max", [1, 100])
async def test_a_batch_decides_ownership_as_one_message_at_a_time(
    js: Any, nats_url: str, database_url: str, batch_max: int
) -> None:
    events = backlog()
    for event in events:  # all waiting before the service starts: batches under 100
        await publish_event(js, event)
    runtime = b.runtime(nats_url, database_url, consumer_batch_max=batch_max)
    await runtime.start()
    try:
        parked = await eventually(lambda: _at_least(deadletters(js), len(FOREIGN)), timeout=30)
        assert sorted(_event_id(r) for r in parked) == sorted(events[n]["id"] for n in FOREIGN)
        assert {r["reason"] for r in parked} == {"not_owner"}
        confirmed = [e for e in await decisions(js) if e["type"] == "enrolment.confirmed.v1"]
        assert [e["data"]["enrolment_id"] for e in confirmed] == ["iom:e-1"]
        assert runtime.pool is not None
        async with runtime.pool.acquire() as con:
            rows = await con.fetch("SELECT * FROM ownership ORDER BY kind, entity_id")
    finally:
        await runtime.stop()
    assert {(r["kind"], r["entity_id"]): (r["agency"], r["event_id"]) for r in rows} == {
        ("course", "iom:c-1"): ("iom", events[0]["id"]),
        ("session", "iom:s-1"): ("iom", events[1]["id"]),
        ("participant", "iom:p-1"): ("iom", events[2]["id"]),
        ("participant", "p-free"): ("unhcr", events[3]["id"]),
        ("enrolment", "iom:e-1"): ("iom", events[5]["id"]),
        ("enrolment", "e-late"): ("iom", events[7]["id"]),  # kept although its handler failed
    }
    if batch_max > 1:  # claims of one transaction share its now(): they were batched
        assert len({r["claimed_at"] for r in rows}) < len(rows)


async def _at_least(records: Any, n: int) -> list[dict[str, Any]] | None:
    got = await records
    return got if len(got) >= n else None


def _event_id(record: dict[str, Any]) -> str:
    return str(json.loads(record["body_text"])["id"])
