"""Completion on `session.closed`, and the corrected completion a late record causes."""

from __future__ import annotations

import pytest

from tests.enrolment import builders as b
from tests.enrolment.conftest import by_type, deadletters, wait_for
from tests.harness import eventually, publish_event

pytestmark = pytest.mark.integration

DONE = "enrolment.completed.v1"


async def publish_all(js, events) -> None:
    for event in events:
        await publish_event(js, event)


async def enrol(js, people: list[str], **course_rule) -> None:
    await publish_all(js, [b.course(**course_rule), b.session(capacity=len(people), days=5)])
    await publish_all(js, [b.participant(p) for p in people])
    await publish_all(js, [b.request(f"iom:e-{p[6:]}", p) for p in people])
    await wait_for(js, len(people))


async def test_closing_a_session_decides_every_confirmed_enrolment(js, service, api):
    people = ["iom:p-full", "iom:p-low", "iom:p-fail", "iom:p-noeval"]
    await enrol(js, people)
    room = [b.attendance("iom:p-full", d) for d in range(1, 6)]
    room += [b.attendance("iom:p-low", d) for d in range(1, 4)]  # 3 of 5 days: 0.6 < 0.8
    room += [b.attendance("iom:p-low", d, present=False) for d in (4, 5)]
    room += [b.attendance("iom:p-fail", d) for d in range(1, 5)]  # 4 of 5 = 0.8, inclusive
    room += [b.attendance("iom:p-noeval", d) for d in range(1, 6)]
    room += [b.assessment(p, "pre", 40) for p in people]
    room += [b.assessment("iom:p-full", "post", 60), b.assessment("iom:p-low", "post", 90)]
    room += [b.assessment("iom:p-fail", "post", 59.5), b.assessment("iom:p-noeval", "post", 99)]
    room += [b.evaluation(p) for p in ("iom:p-full", "iom:p-low", "iom:p-fail")]
    await publish_all(js, [*room, b.closed()])
    done = {d["participant_id"]: d for d in by_type(await wait_for(js, 4, DONE), DONE)}
    assert {p: (d["outcome"], d["attendance_ratio"]) for p, d in done.items()} == {
        "iom:p-full": ("completed", 1.0),
        "iom:p-low": ("not_completed", 0.6),
        "iom:p-fail": ("attended", 0.8),
        "iom:p-noeval": ("attended", 1.0),
    }
    assert (done["iom:p-full"]["pre_score"], done["iom:p-full"]["post_score"]) == (40, 60)
    assert done["iom:p-full"]["course_id"] == "iom:c-1"
    counts = (await api.get("/sessions/iom:s-1/counts")).json()
    assert counts["status"] == "closed"
    assert counts["outcomes"] == {"completed": 1, "not_completed": 1, "attended": 2}


async def test_a_late_record_after_closing_emits_a_corrected_completion(js, service):
    await enrol(js, ["iom:p-1", "iom:p-2"], pass_mark=None, evaluation_required=False)
    await publish_all(js, [b.attendance("iom:p-1", d) for d in range(1, 5)])
    await publish_all(js, [b.attendance("iom:p-2", d) for d in range(1, 6)])
    await publish_event(js, b.closed())
    first = await wait_for(js, 2, DONE)
    assert {e["data"]["participant_id"]: e["data"]["outcome"] for e in first} == {
        "iom:p-1": "completed",
        "iom:p-2": "completed",
    }
    # The register of day 3 arrives late and says p-1 was absent: 3 of 5 days.
    await publish_event(js, b.attendance("iom:p-1", 3, present=False, minutes=60 * 24 * 45))
    # An older record for the same day (by event time) does not undo the newer one.
    await publish_event(js, b.attendance("iom:p-1", 3, present=True, minutes=60 * 24 * 36))
    events = await wait_for(js, 3, DONE)
    corrected = events[2]
    assert (
        corrected["subject"] == first[0]["subject"]
        if first[0]["data"]["participant_id"] == "iom:p-1"
        else True
    )
    assert corrected["data"]["participant_id"] == "iom:p-1"
    assert (corrected["data"]["outcome"], corrected["data"]["attendance_ratio"]) == (
        "not_completed",
        0.6,
    )
    assert corrected["id"] not in {e["id"] for e in first}


async def test_attendance_by_module_is_counted_over_the_courses_modules(js, service):
    course = b.course(pass_mark=None, evaluation_required=False, min_attendance_ratio=0.8)
    course["data"]["modules"] = [
        {"code": f"M{n}", "title": {"en": f"Module {n}"}} for n in range(1, 6)
    ]
    await publish_all(js, [course, b.session(capacity=1), b.participant("iom:p-1")])
    await publish_event(js, b.request("iom:e-1", "iom:p-1"))
    await wait_for(js, 1)
    room = [b.attendance("iom:p-1", n, module=f"M{n}") for n in range(1, 4)]  # 3 of 5 modules
    await publish_all(js, [*room, b.closed()])
    done = by_type(await wait_for(js, 1, DONE), DONE)
    assert (done[0]["outcome"], done[0]["attendance_ratio"]) == ("not_completed", 0.6)


async def test_attendance_for_someone_never_enrolled_is_dead_lettered_after_the_window(js, service):
    await publish_all(js, [b.course(), b.session(), b.participant("iom:p-1")])
    await publish_event(js, b.attendance("iom:p-1", 1))
    records = await eventually(lambda: deadletters(js), timeout=15)
    assert records[0]["reason"] == "unknown_enrolment"
