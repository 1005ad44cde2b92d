"""A minimal service built with the kit, used to test the kit against the real servers.

It records `participant.registered` events in a table and emits nothing; its handler can
be told to fail in the ways the tests need.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from cohort_kit import NotYetApplicable, Router, Runtime, ServiceDefinition, ServiceSettings, Unit

from tests.harness import quick_settings

router = Router()
behaviour: dict[str, float] = {
    "drop_connection_on_attempts": 0,
    "not_yet_until_attempt": 0,
    "slow_seconds": 0,
}


@router.on("participant.registered.v1")
async def record(unit: Unit) -> None:
    if behaviour["slow_seconds"]:
        await asyncio.sleep(behaviour["slow_seconds"])
    if unit.attempt <= behaviour["drop_connection_on_attempts"]:
        # A real transient database error: the server ends our session mid-transaction.
        await unit.con.execute("SELECT pg_terminate_backend(pg_backend_pid())")
    if unit.attempt < behaviour["not_yet_until_attempt"] and not unit.final:
        raise NotYetApplicable("waiting for something")
    await unit.con.execute(
        "INSERT INTO probe_seen (event_id, participant_id, attempt, final) VALUES ($1, $2, $3, $4)",
        unit.event.id,
        unit.payload.participant_id,
        unit.attempt,
        unit.final,
    )


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="probe",
        routers={"enrolment-intake": router},
        migrations=Path(__file__).parent / "migrations",
    )


def settings(nats_url: str, database_url: str, **extra: object) -> ServiceSettings:
    return quick_settings(ServiceSettings, nats_url, database_url, **extra)


async def start_as_enrolment(nats_url: str, database_url: str) -> Runtime:
    """The probe, calm, under enrolment's name (on enrolment's NATS user, it runs with that
    service's permissions: it consumes enrolment-intake, publishes to ENROLMENT). The caller
    stops it."""
    as_enrolment = ServiceDefinition(
        name="enrolment",
        routers={"enrolment-intake": router},
        migrations=definition().migrations,
        publishes_to=("ENROLMENT",),
    )
    behaviour.update(drop_connection_on_attempts=0, not_yet_until_attempt=0, slow_seconds=0)
    runtime = Runtime(as_enrolment, settings(nats_url, database_url))
    await runtime.start()
    return runtime
