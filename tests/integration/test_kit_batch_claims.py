"""Ownership inside a batch (`ownership.Batch`) when handlers ask and claim themselves, and
when another replica claims an entity while the batch is being decided.

The probe's handler of `participant.registered` does what `plan` says for its participant:
`owner` records what `ownership.owner` answers for that participant (the batch's claim is
not yet written: the batch must answer it); `claim` claims a certificate `cert-<participant>`
for its agency, as an issuer does; `rival` commits, on a connection of its own, the claim
of another replica on `RIVAL` for unhcr, before the batch flushes (the batch claims RIVAL,
or takes it for unowned): the batch is rolled back and applied one message at a time.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from cohort_kit import Router, ServiceDefinition, Unit, ownership

from tests import factories
from tests.harness import deadletters, eventually, publish_event, replicas, rows
from tests.integration import batch_probe

pytestmark = pytest.mark.integration

# The first fetch is of one message (cohort_kit/pulling.py); what waits behind it comes in
# one batch. So each test publishes FIRST, then the events that must share a batch.
FIRST = "iom:p-first"
RIVAL = "p-rival"  # no namespace: whoever claims it first owns it
router = Router()
plan: dict[str, str] = {}
observed: dict[str, list[str | None]] = {}  # participant: what `owner` answered, each attempt
rival_dsn: list[str] = []  # the database another replica writes to


@router.on("participant.registered.v1")
async def registered(unit: Unit) -> None:
    pid = unit.payload.participant_id
    how = plan.get(pid)
    if how == "owner":
        observed.setdefault(pid, []).append(await ownership.owner(unit.con, "participant", pid))
    if how == "claim":
        await ownership.claim(unit.con, "certificate", certificate_of(pid), unit.event.agency)
    if how == "rival":
        await _rival_claims(RIVAL, "unhcr")
    await unit.con.execute(
        """INSERT INTO batch_seen (event_id, participant_id, attempt, txid)
           VALUES ($1, $2, $3, txid_current())""",
        unit.event.id,
        pid,
        unit.attempt,
    )


def certificate_of(pid: str) -> str:
    """An id without a namespace (`cert-p-1`): only the recorded claim says whose it is."""
    return "cert-" + pid.partition(":")[2]


async def _rival_claims(pid: str, agency: str) -> None:
    con = await asyncpg.connect(rival_dsn[0])
    try:  # committed at once, as another replica's enforce does
        await con.execute(
            """INSERT INTO ownership (kind, entity_id, agency) VALUES ('participant', $1, $2)
               ON CONFLICT DO NOTHING""",
            pid,
            agency,
        )
    finally:
        await con.close()


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="enrolment",
        routers={"enrolment-intake": router},
        migrations=batch_probe.definition().migrations,
        publishes_to=("ENROLMENT",),
    )


@pytest.fixture
async def start(nats_url: str, database_url: str) -> AsyncIterator[Any]:
    plan.clear()
    observed.clear()
    rival_dsn[:] = [database_url]
    async with replicas(definition(), batch_probe.settings(nats_url, database_url)) as start:
        yield start


async def seen(database_url: str, n: int) -> list[Any] | None:
    found = await rows(database_url, "SELECT * FROM batch_seen ORDER BY n")
    return found if len(found) >= n else None


async def parked(js: Any) -> list[tuple[str, str]]:
    """(reason, event id) of every dead-letter."""
    return [(p["reason"], json.loads(p["body_text"])["id"]) for p in await deadletters(js)]


async def test_a_handler_in_a_batch_sees_the_claims_of_the_batch_not_yet_written(
    js, start, database_url
):
    pids = [f"iom:p-o-{n}" for n in range(4)]
    plan.update({pid: "owner" for pid in pids})
    for pid in pids:  # all waiting before the service starts: one batch
        await publish_event(js, factories.participant(pid))
    await start()
    applied = await eventually(lambda: seen(database_url, len(pids)))
    assert len({r["txid"] for r in applied}) < len(pids)  # batched
    assert observed == {pid: ["iom"] for pid in pids}  # each its own registration's claim


async def test_a_handlers_claim_in_a_batch_decides_the_later_events_of_the_same_batch(
    js, start, database_url
):
    plan["iom:p-c-1"] = "claim"
    revoke = factories.envelope(
        "certificate.revocation_requested.v1",
        {
            "certificate_id": certificate_of("iom:p-c-1"),
            "reason": "Issued to the wrong participant",
        },
        agency="unhcr",
    )
    events = [factories.participant("iom:p-c-1"), revoke, factories.participant("iom:p-c-2")]
    for event in [factories.participant(FIRST), *events]:
        await publish_event(js, event)
    await start()
    applied = await eventually(lambda: seen(database_url, 3))
    assert applied[1]["txid"] == applied[2]["txid"]  # one batch: the claim was not committed
    assert await eventually(lambda: parked(js)) == [("not_owner", revoke["id"])]
    owners = await rows(database_url, "SELECT * FROM ownership WHERE kind = 'certificate'")
    assert [(r["entity_id"], r["agency"]) for r in owners] == [("cert-p-c-1", "iom")]


async def test_a_batch_whose_claim_another_replica_took_first_goes_one_at_a_time(
    js, start, database_url
):
    plan["iom:p-r-1"] = "rival"
    events = [
        factories.participant("iom:p-r-1"),
        factories.participant(RIVAL),  # iom claims it in the batch; unhcr commits it first
        factories.participant("iom:p-r-2"),
    ]
    for event in [factories.participant(FIRST), *events]:
        await publish_event(js, event)
    await start()
    assert await eventually(lambda: parked(js)) == [("not_owner", events[1]["id"])]
    applied = await eventually(lambda: seen(database_url, 3))
    assert [r["participant_id"] for r in applied] == [FIRST, "iom:p-r-1", "iom:p-r-2"]
    assert len({r["txid"] for r in applied}) == 3  # the batch rolled back: one at a time
    owners = await rows(database_url, "SELECT * FROM ownership WHERE kind = 'participant'")
    assert {r["entity_id"]: r["agency"] for r in owners} == {
        FIRST: "iom",
        "iom:p-r-1": "iom",
        RIVAL: "unhcr",
        "iom:p-r-2": "iom",
    }


async def test_a_batch_that_took_an_entity_for_unowned_goes_one_at_a_time_once_it_is_claimed(
    js, start, database_url
):
    plan["iom:p-r-1"] = "rival"
    attended = factories.envelope(  # names RIVAL, claims nothing: taken as unowned
        "attendance.recorded.v1",
        {"session_id": "iom:s-1", "participant_id": RIVAL, "date": "2023-06-05", "present": True},
    )
    events = [factories.participant("iom:p-r-1"), attended, factories.participant("iom:p-r-2")]
    for event in [factories.participant(FIRST), *events]:
        await publish_event(js, event)
    await start()
    assert await eventually(lambda: parked(js)) == [("not_owner", attended["id"])]
    applied = await eventually(lambda: seen(database_url, 3))
    assert len({r["txid"] for r in applied}) == 3  # the batch rolled back: one at a time
