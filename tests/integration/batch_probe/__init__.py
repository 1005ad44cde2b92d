"""A kit service for the batch tests: it records each `participant.registered` it applies
(with the id of the transaction that applied it) and emits one event per application.

`behaviour["fail"]` maps a participant id to how its handler fails: `error` (always raises),
`transient` (a real serialization failure from PostgreSQL on the first attempt), `kill`
(the server ends the session on the first attempt, so the whole batch is lost) or
`swallow` (a database error caught and ignored, which leaves the transaction aborted).
`behaviour["slow_seconds"]` delays every application (the crash test kills a slow batch).
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

import asyncpg
from cohort_contracts.enrolments import EnrolmentConfirmed
from cohort_kit import Router, ServiceDefinition, ServiceSettings, Unit

router = Router()
behaviour: dict[str, Any] = {"fail": {}, "slow_seconds": 0.0}


@router.on("participant.registered.v1")
async def record(unit: Unit) -> None:
    pid = unit.payload.participant_id
    how = behaviour["fail"].get(pid)
    if behaviour["slow_seconds"]:
        await asyncio.sleep(behaviour["slow_seconds"])
    await unit.con.execute(
        """INSERT INTO batch_seen (event_id, participant_id, attempt, txid)
           VALUES ($1, $2, $3, txid_current())""",
        unit.event.id,
        pid,
        unit.attempt,
    )
    if how == "error":
        raise RuntimeError(f"the handler fails for {pid}")
    if how == "transient" and unit.attempt == 1:
        await unit.con.execute("DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '40001'; END $$")
    if how == "kill" and unit.attempt == 1:
        await unit.con.execute("SELECT pg_terminate_backend(pg_backend_pid())")
    if how == "swallow":
        with contextlib.suppress(asyncpg.PostgresError):
            await unit.con.execute("SELECT 1/0")
        return
    await unit.emit(
        EnrolmentConfirmed(
            enrolment_id=f"iom:e-{pid.split(':')[1]}",
            session_id="iom:s-1",
            participant_id=pid,
            seat=1,
        ),
        subject_id=f"iom:e-{pid.split(':')[1]}",
    )


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="enrolment",
        routers={"enrolment-intake": router},
        migrations=Path(__file__).parent / "migrations",
        publishes_to=("ENROLMENT",),
    )


def settings(nats_url: str, database_url: str, **extra: object) -> ServiceSettings:
    return ServiceSettings(
        nats_url=nats_url,
        database_url=database_url,
        http_port=0,
        relay_poll_seconds=0.2,
        retry_max_delay_seconds=0.5,
        handler_failure_limit=2,
        **extra,  # type: ignore[arg-type]
    )
