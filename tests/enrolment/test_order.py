"""Duplicates change nothing; a shuffled scenario ends in the same state as the ordered one."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from cohort_kit import Runtime
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.enrolment import builders as b
from tests.enrolment.conftest import decisions, wait_for
from tests.harness import AGAINST_SERVERS, eventually, publish_event, publish_raw

pytestmark = pytest.mark.integration


def scenario(tag: str) -> list[dict[str, Any]]:
    """A small session from start to close; every id carries `tag`, so runs do not mix."""
    sid, cid = f"iom:s-{tag}", f"iom:c-{tag}"
    people = [f"iom:p-{tag}-{n}" for n in range(3)]
    events = [b.course(cid), b.session(sid, course_id=cid, capacity=3, waitlist=0, days=2)]
    events += [b.participant(p) for p in people]
    events += [b.request(f"iom:e-{tag}-{n}", p, sid) for n, p in enumerate(people)]
    events += [b.attendance(people[0], d, sid=sid) for d in (1, 2)]
    events += [b.attendance(people[1], 1, sid=sid), b.attendance(people[1], 2, False, sid=sid)]
    events += [b.attendance(people[2], d, sid=sid) for d in (1, 2)]
    events += [b.assessment(p, "pre", 30 + n, sid=sid) for n, p in enumerate(people)]
    events += [
        b.assessment(people[0], "post", 75, sid=sid),
        b.assessment(people[2], "post", 40, sid=sid),
    ]
    events += [b.evaluation(people[0], sid), b.evaluation(people[1], sid)]
    events += [b.closed(sid)]
    return events


async def final_state(service: Runtime, tag: str) -> dict[str, Any]:
    """Each enrolment's status and last completion, with the run's tag taken out of the ids."""
    assert service.pool is not None
    async with service.pool.acquire() as con:
        rows = await con.fetch(
            """SELECT e.enrolment_id, e.status, c.outcome, c.attendance_ratio,
                      c.pre_score, c.post_score
               FROM enrolments e LEFT JOIN completions c USING (enrolment_id)
               WHERE e.session_id = $1 ORDER BY e.enrolment_id""",
            f"iom:s-{tag}",
        )
    return {
        r["enrolment_id"].replace(tag, "*"): (
            r["status"],
            r["outcome"],
            r["attendance_ratio"],
            r["pre_score"],
            r["post_score"],
        )
        for r in rows
    }


@pytest.fixture
async def patient_service(js, nats_url: str, database_url: str) -> AsyncIterator[Runtime]:
    # Long enough for a prerequisite published in the same burst to arrive.
    runtime = b.runtime(nats_url, database_url, retry_window_seconds=20)
    await runtime.start()
    yield runtime
    await runtime.stop()


@pytest.fixture
async def ordered_state(patient_service: Runtime, js) -> dict[str, Any]:
    for event in scenario("ordered"):
        await publish_event(js, event)
    state = await eventually(lambda: _complete(final_state(patient_service, "ordered")))
    assert sorted(v[1] for v in state.values()) == ["attended", "completed", "not_completed"]
    return state  # type: ignore[no-any-return]


@settings(AGAINST_SERVERS, max_examples=5)
@given(order=st.permutations(range(len(scenario("x")))))
async def test_a_shuffled_scenario_ends_in_the_same_state_as_the_ordered_run(
    js, patient_service, ordered_state, order
):
    tag = uuid.uuid4().hex[:8]
    events = scenario(tag)
    for index in order:
        await publish_event(js, events[index])
    state = await eventually(
        lambda: _equal(final_state(patient_service, tag), ordered_state), timeout=30
    )
    assert state == ordered_state


async def test_duplicated_and_redelivered_events_change_nothing(js, service):
    events = scenario("dup")
    for event in events:
        await publish_event(js, event)
        await publish_event(js, event)  # same Nats-Msg-Id: the stream drops it
        # A new stream message carrying the same event id: the inbox drops it.
        subject = f"intake.iom.{event['type'].rsplit('.', 1)[0]}"
        await publish_raw(js, subject, json.dumps(event).encode())
    await wait_for(js, 6)  # 3 confirmed, 3 completed
    marker = b.participant("iom:p-marker")
    await publish_event(js, marker)
    await eventually(lambda: _inbox_has(service, marker["id"]))
    out = await decisions(js)
    assert Counter(e["type"] for e in out) == {
        "enrolment.confirmed.v1": 3,
        "enrolment.completed.v1": 3,
    }
    assert len({e["id"] for e in out}) == 6
    info = await js.stream_info("INTAKE")
    assert info.state.messages == 2 * len(events) + 1


async def _complete(fetch):
    state = await fetch
    return state if len(state) == 3 and all(v[1] for v in state.values()) else None


async def _equal(fetch, expected):
    state = await fetch
    return state if state == expected else None


async def _inbox_has(service: Runtime, event_id: str) -> bool:
    assert service.pool is not None
    async with service.pool.acquire() as con:
        return bool(await con.fetchval("SELECT true FROM inbox WHERE event_id = $1", event_id))
