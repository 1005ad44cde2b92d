"""A run of requests in one batch (decided ahead, in one statement) ends exactly as the same
requests decided one at a time: seats, waitlist, every rejection reason, and the decisions
in the same order."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from cohort_enrolment import store

from tests.enrolment import builders as b
from tests.enrolment.conftest import decisions
from tests.harness import eventually, publish_event

pytestmark = pytest.mark.integration

LATE = b.CLOSES + timedelta(minutes=1)
REQUESTS = [  # (enrolment, participant, session, nominated_by, time)
    ("iom:e-1", "iom:p-1", "iom:s-a", None, None),
    ("iom:e-2", "iom:p-2", "iom:s-b", "ORG", None),  # a quota: decided by its handler
    ("iom:e-3", "iom:p-1", "iom:s-a", None, None),  # already enrolled
    ("iom:e-4", "iom:p-3", "iom:s-a", None, None),  # after a rejection in its session
    ("iom:e-5", "iom:p-4", "iom:s-a", None, None),
    ("iom:e-6", "iom:p-5", "iom:s-a", None, None),
    ("iom:e-7", "iom:p-6", "iom:s-b", "ORG", None),
    ("iom:e-9", "iom:p-5", "iom:s-c", None, None),
    ("iom:e-10", "iom:p-4", "iom:s-c", None, None),
    ("iom:e-8", "iom:p-6", "iom:s-c", None, LATE),
]
# Decided by their own handler's statement even in a batch: each follows, in its session, a
# request that was not seated ahead (whose handler writes what they must read).
AFTER_A_HANDLER = {"iom:e-4", "iom:e-5", "iom:e-6", "iom:e-7"}
EXPECTED = {
    "iom:e-1": ("confirmed", 1, None),
    "iom:e-2": ("confirmed", 1, None),
    "iom:e-3": ("rejected", None, "already_enrolled"),
    "iom:e-4": ("confirmed", 2, None),
    "iom:e-5": ("waitlisted", None, None),
    "iom:e-6": ("rejected", None, "session_full"),
    "iom:e-7": ("rejected", None, "quota_exceeded"),
    "iom:e-8": ("rejected", None, "enrolment_closed"),
    "iom:e-9": ("confirmed", 1, None),
    "iom:e-10": ("confirmed", 2, None),
}


def backlog() -> list[dict[str, Any]]:
    events = [
        b.course("iom:c-1"),
        b.session("iom:s-a", capacity=2, waitlist=1),
        b.session("iom:s-b", capacity=1, waitlist=0, quotas={"ORG": 1}),
        b.session("iom:s-c", capacity=5, waitlist=0),
    ]
    events += [b.participant(f"iom:p-{n}") for n in range(1, 7)]
    events += [
        b.request(eid, pid, sid, nominated_by=nom, time=time)
        for eid, pid, sid, nom, time in REQUESTS
    ]
    return events


@pytest.mark.parametrize("batch_max", [1, 100])
async def test_a_run_of_requests_in_a_batch_is_decided_as_one_at_a_time(
    js: Any, nats_url: str, database_url: str, batch_max: int, monkeypatch: Any
) -> None:
    calls: list[int] = []
    original = store.request_seats

    async def counted(con: Any, requests: list[Any], **kw: Any) -> Any:
        calls.append(len(requests))
        return await original(con, requests, **kw)

    monkeypatch.setattr(store, "request_seats", counted)
    singles: list[str] = []
    one = store.request_seat

    async def single(con: Any, req: Any, **kw: Any) -> Any:
        singles.append(req.enrolment_id)
        return await one(con, req, **kw)

    monkeypatch.setattr(store, "request_seat", single)
    for event in backlog():  # all waiting before the service starts: one batch under 100
        await publish_event(js, event)
    runtime = b.runtime(nats_url, database_url, consumer_batch_max=batch_max)
    await runtime.start()
    try:
        events = await eventually(lambda: _decided(js, len(REQUESTS)), timeout=30)
        assert runtime.pool is not None
        async with runtime.pool.acquire() as con:
            rows = await con.fetch("SELECT enrolment_id, status, seat, reason FROM enrolments")
    finally:
        await runtime.stop()
    assert {r["enrolment_id"]: (r["status"], r["seat"], r["reason"]) for r in rows} == EXPECTED
    decided = [e["data"]["enrolment_id"] for e in events if "enrolment_id" in e["data"]]
    assert decided == [eid for eid, *_ in REQUESTS]  # in INTAKE order, each once
    if batch_max > 1:  # the run was decided ahead, and nothing applied again one at a time
        assert calls and max(calls) > 1
        assert set(singles) <= AFTER_A_HANDLER
    else:
        assert calls == []
        assert len(singles) == len(REQUESTS)


async def _decided(js: Any, n: int) -> list[dict[str, Any]] | None:
    got = await decisions(js)
    return got if len(got) >= n else None
