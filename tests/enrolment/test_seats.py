"""Seats, waitlist, quotas, cancellation and ownership, against real NATS and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.enrolment import builders as b
from tests.enrolment.conftest import by_type, deadletters, decisions, wait_for
from tests.harness import eventually, publish_event

pytestmark = pytest.mark.integration

C, W, R, X = (
    "enrolment.confirmed.v1",
    "enrolment.waitlisted.v1",
    "enrolment.rejected.v1",
    "enrolment.cancelled.v1",
)


async def publish_all(js, events) -> None:
    for event in events:
        await publish_event(js, event)


async def setup(js, people: int, **session) -> None:
    await publish_all(js, [b.course(), b.session(**session)])
    await publish_all(js, [b.participant(f"iom:p-{n}") for n in range(1, people + 1)])


async def test_requests_fill_seats_then_waitlist_then_are_rejected_full(js, service, api):
    await setup(js, 4, capacity=2, waitlist=1)
    await publish_all(js, [b.request(f"iom:e-{n}", f"iom:p-{n}") for n in range(1, 5)])
    events = await wait_for(js, 4)
    assert [(e["type"], e["subject"]) for e in events] == [
        (C, "iom:e-1"),
        (C, "iom:e-2"),
        (W, "iom:e-3"),
        (R, "iom:e-4"),
    ]
    assert [d["seat"] for d in by_type(events, C)] == [1, 2]
    assert by_type(events, W)[0]["position"] == 1
    assert by_type(events, R)[0]["reason"] == "session_full"
    counts = (await api.get("/sessions/iom:s-1/counts")).json()
    assert (counts["confirmed"], counts["waitlisted"], counts["rejected"]) == (2, 1, 1)


async def test_a_withdrawal_promotes_the_head_of_the_waitlist(js, service, api):
    await setup(js, 4, capacity=2, waitlist=2)
    await publish_all(js, [b.request(f"iom:e-{n}", f"iom:p-{n}") for n in range(1, 5)])
    await wait_for(js, 4)
    await publish_event(js, b.withdrawn("iom:e-1"))
    events = (await wait_for(js, 6))[4:]
    assert [(e["type"], e["subject"]) for e in events] == [(X, "iom:e-1"), (C, "iom:e-3")]
    assert events[0]["data"]["reason"] == "withdrawn"
    assert events[1]["data"]["promoted_from_waitlist"] is True
    assert events[1]["data"]["seat"] == 1  # the freed seat
    roster = (await api.get("/sessions/iom:s-1/roster")).json()
    state = {
        e["enrolment_id"]: (e["status"], e["seat"], e["waitlist_position"])
        for e in roster["enrolments"]
    }
    assert state == {
        "iom:e-1": ("cancelled", None, None),
        "iom:e-2": ("confirmed", 2, None),
        "iom:e-3": ("confirmed", 1, None),
        "iom:e-4": ("waitlisted", None, 1),
    }


async def test_withdrawing_a_waitlisted_place_promotes_nobody(js, service):
    await setup(js, 3, capacity=1, waitlist=2)
    await publish_all(js, [b.request(f"iom:e-{n}", f"iom:p-{n}") for n in range(1, 4)])
    await wait_for(js, 3)
    await publish_event(js, b.withdrawn("iom:e-2"))
    await publish_event(js, b.participant("iom:p-marker"))
    await wait_for(js, 4)
    await eventually(lambda: _inbox_count(service, 3 + 3 + 2 + 2))
    assert [(e["type"], e["subject"]) for e in (await decisions(js))[3:]] == [(X, "iom:e-2")]


async def test_a_cancelled_session_cancels_every_live_enrolment(js, service):
    await setup(js, 4, capacity=2, waitlist=1)
    await publish_all(js, [b.request(f"iom:e-{n}", f"iom:p-{n}") for n in range(1, 5)])
    await wait_for(js, 4)
    await publish_event(js, b.cancelled("iom:s-1"))
    await publish_event(js, b.request("iom:e-9", "iom:p-4", time=b.at(50)))
    events = (await wait_for(js, 8))[4:]
    cancelled = sorted((e["subject"], e["data"]["reason"]) for e in events if e["type"] == X)
    assert cancelled == [(f"iom:e-{n}", "session_cancelled") for n in (1, 2, 3)]
    assert by_type(events, R) == [
        {
            "enrolment_id": "iom:e-9",
            "session_id": "iom:s-1",
            "participant_id": "iom:p-4",
            "reason": "session_cancelled",
        }
    ]


async def test_nomination_quotas_cap_confirmed_and_waitlisted_seats(js, service):
    await setup(js, 5, capacity=3, waitlist=2, quotas={"Ministry": 2})
    requests = [
        b.request("iom:e-1", "iom:p-1", nominated_by="Ministry"),
        b.request("iom:e-2", "iom:p-2", nominated_by="Ministry"),
        b.request("iom:e-3", "iom:p-3", nominated_by="Ministry"),
        b.request("iom:e-4", "iom:p-4", nominated_by="Civil society network"),
        b.request("iom:e-5", "iom:p-5"),
    ]
    await publish_all(js, requests)
    events = await wait_for(js, 5)
    assert [(e["type"], e["data"].get("reason")) for e in events] == [
        (C, None),
        (C, None),
        (R, "quota_exceeded"),
        (C, None),
        (W, None),
    ]


async def test_a_second_live_request_of_a_participant_is_rejected_already_enrolled(js, service):
    await setup(js, 1, capacity=5)
    await publish_all(js, [b.request("iom:e-1", "iom:p-1"), b.request("iom:e-2", "iom:p-1")])
    events = await wait_for(js, 2)
    assert [(e["type"], e["data"].get("reason")) for e in events] == [
        (C, None),
        (R, "already_enrolled"),
    ]


async def test_closing_is_decided_by_the_events_time_not_the_clock(js, service):
    await setup(js, 2, capacity=5)
    late = b.request("iom:e-2", "iom:p-2", time=b.CLOSES.replace(second=1))
    await publish_all(js, [b.request("iom:e-1", "iom:p-1", time=b.CLOSES), late])
    events = await wait_for(js, 2)
    assert [(e["type"], e["data"].get("reason")) for e in events] == [
        (C, None),
        (R, "enrolment_closed"),
    ]


async def test_a_request_for_a_session_never_scheduled_is_rejected_after_the_window(js, service):
    await setup(js, 1)
    await publish_event(js, b.request("iom:e-1", "iom:p-1", sid="iom:s-nowhere"))
    await publish_event(js, b.request("iom:e-2", "iom:p-ghost"))
    events = await wait_for(js, 2, timeout=15)
    assert sorted((e["subject"], e["data"]["reason"]) for e in events) == [
        ("iom:e-1", "unknown_session"),
        ("iom:e-2", "unknown_participant"),
    ]


async def test_a_request_before_its_session_waits_for_it(js, service):
    await publish_event(js, b.participant("iom:p-1"))
    await publish_event(js, b.request("iom:e-1", "iom:p-1"))
    await publish_all(js, [b.course(), b.session()])
    events = await wait_for(js, 1)
    assert events[0]["type"] == C


async def test_another_agency_cannot_enrol_into_an_iom_session(js, service):
    await setup(js, 1)
    await publish_event(js, b.participant("icmpd:p-1", agency="icmpd"))
    await publish_event(js, b.request("icmpd:e-1", "icmpd:p-1", sid="iom:s-1", agency="icmpd"))
    await publish_event(js, b.request("icmpd:e-2", "iom:p-1", sid="icmpd:s-9", agency="icmpd"))
    await publish_event(js, b.closed("iom:s-1") | {"agency": "icmpd"})
    records = await eventually(lambda: _at_least(deadletters(js), 3))
    assert [r["reason"] for r in records] == ["not_owner"] * 3
    assert "iom:s-1" in records[0]["detail"] and "icmpd" in records[0]["detail"]
    assert await decisions(js) == []


async def test_a_lowered_capacity_moves_the_latest_confirmed_back_to_the_waitlist(js, service, api):
    await setup(js, 4, capacity=3, waitlist=1)
    await publish_all(js, [b.request(f"iom:e-{n}", f"iom:p-{n}") for n in range(1, 5)])
    await wait_for(js, 4)
    await publish_event(js, b.rescheduled("iom:s-1", capacity=2))
    events = (await wait_for(js, 6))[4:]
    assert [(e["type"], e["subject"], e["data"]["position"]) for e in events] == [
        (W, "iom:e-3", 1),
        (W, "iom:e-4", 2),
    ]
    counts = (await api.get("/sessions/iom:s-1/counts")).json()
    assert (counts["confirmed"], counts["waitlisted"], counts["capacity"]) == (2, 2, 2)
    await publish_event(js, b.rescheduled("iom:s-1", 31, capacity=4))
    events = (await wait_for(js, 8))[6:]
    assert [(e["type"], e["subject"], e["data"]["promoted_from_waitlist"]) for e in events] == [
        (C, "iom:e-3", True),
        (C, "iom:e-4", True),
    ]


async def test_the_read_api_answers_unknown_ids_with_a_readable_404(service, api):
    for path, error in [
        ("/sessions/iom:nope/roster", "unknown_session"),
        ("/sessions/iom:nope/counts", "unknown_session"),
        ("/participants/iom:nobody/enrolments", "unknown_participant"),
    ]:
        response = await api.get(path)
        assert response.status_code == 404
        assert response.json()["error"] == error and "iom:no" in response.json()["message"]
    schema = (await api.get("/openapi.json")).json()
    assert "/sessions/{session_id}/roster" in schema["paths"]
    assert "/participants/{participant_id}/enrolments" in schema["paths"]


async def test_a_participants_enrolments_show_status_and_position(js, service, api):
    await setup(js, 2, capacity=1, waitlist=1)
    await publish_all(js, [b.request("iom:e-1", "iom:p-1"), b.request("iom:e-2", "iom:p-2")])
    await wait_for(js, 2)
    body = (await api.get("/participants/iom:p-2/enrolments")).json()
    assert [
        (e["enrolment_id"], e["status"], e["waitlist_position"]) for e in body["enrolments"]
    ] == [("iom:e-2", "waitlisted", 1)]


async def _at_least(fetch, n):
    value = await fetch
    return value if len(value) >= n else None


async def _inbox_count(service, n):
    async with service.pool.acquire() as con:
        return await con.fetchval("SELECT count(*) FROM inbox") >= n
