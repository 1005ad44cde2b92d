"""A service process killed in the middle of an erasure resumes to the same end state.

The enrolment service runs as its own process (`python -m cohort_enrolment`), against real
NATS and PostgreSQL. Its erasure is one transaction: withdraw the person's seat in a session
not yet started, promote the waitlist, emit the events, clear the names, confirm. The test
holds a lock on the person's row, so the service is stopped *inside* that transaction,
after the withdrawal and the promotion, before the names are cleared: SIGKILL. It is killed
again just after its confirmation is published (before or around its acknowledgement). A
duplicate request arrives. In the end the state is what one clean erasure gives, every
event is published once, and a rebuild from the redacted log equals it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Any

import asyncpg
import nats.js.errors
import pytest
from cohort_cli.embedded import free_port
from cohort_enrolment.app import definition as enrolment
from cohort_kit.eraser import ErasureWorker
from cohort_kit.erasure import confirmation_subject
from cohort_kit.rebuild import rebuild

from tests.conftest import fresh_database
from tests.harness import eventually, publish_event, value
from tests.harness import read_stream as stored_in
from tests.privacy import history as h
from tests.privacy.test_replay import state

# Each kill waits out the consumer's ack wait (30 s) before the unit comes back.
pytestmark = pytest.mark.faults

A, B = "iom:p-a", "iom:p-b"
EA, EB = "iom:e-a", "iom:e-b"


class Service:
    """The enrolment service as a child process that can be SIGKILLed."""

    def __init__(self, nats_url: str, database_url: str, log: Path) -> None:
        self.env = {
            **os.environ,
            "COHORT_NATS_URL": nats_url,
            "COHORT_DATABASE_URL": database_url,
            "COHORT_HTTP_PORT": str(free_port()),
            "COHORT_RELAY_POLL_SECONDS": "0.1",
            "COHORT_LOG_FORMAT": "json",
        }
        self.log = log
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        out = self.log.open("ab")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "cohort_enrolment", env=self.env, stdout=out, stderr=out
        )
        out.close()

    async def kill(self) -> None:
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()
        await self.proc.wait()


async def confirmed(js: Any, request_id: str) -> bool:
    try:
        await js.get_last_msg("PRIVACY", confirmation_subject("enrolment", request_id))
        return True
    except nats.js.errors.NotFoundError:
        return False


async def test_an_erasing_service_killed_between_steps_resumes_to_the_same_end_state(
    js, nats_url, database_url, pg_admin_dsn, tmp_path
):
    for event in [
        h.course(),
        h.session(h.FUTURE, h.FAR, 1, h.at(60 * 24 * 300)),
        h.person(A, 1),
        h.person(B, 2),
        h.request(EA, A, h.FUTURE, 10),
        h.request(EB, B, h.FUTURE, 11),  # waitlisted: A holds the one seat
    ]:
        await publish_event(js, event)
    service = Service(nats_url, database_url, tmp_path / "enrolment.log")
    status = "SELECT status FROM enrolments WHERE enrolment_id = $1"
    await service.start()
    try:
        await eventually(lambda: _is(database_url, status, EB, "waitlisted"), timeout=30)

        # 1. Killed inside the erasure's transaction: seat withdrawn and B promoted, but
        #    not yet committed (the person's row is locked by the test).
        first = h.erase(A, 100)
        lock = await asyncpg.connect(database_url)
        tx = lock.transaction()
        await tx.start()
        await lock.execute("SELECT 1 FROM participants WHERE participant_id = $1 FOR UPDATE", A)
        await publish_event(js, first)
        await eventually(lambda: _waiting_on_lock(pg_admin_dsn, database_url), timeout=30)
        await service.kill()
        await tx.rollback()
        await lock.close()
        assert await value(database_url, status, EA) == "confirmed"  # nothing half-done stayed
        assert await value(database_url, status, EB) == "waitlisted"
        assert not await confirmed(js, first["id"])

        # 2. Back up: the unit comes back and completes; killed again right after it is
        #    confirmed (its acknowledgement may or may not have gone out).
        await service.start()
        await eventually(lambda: confirmed(js, first["id"]), timeout=60)
        await service.kill()

        # 3. A duplicate request, the service back, the worker redacting the streams.
        duplicate = h.erase(A, 101)
        await publish_event(js, duplicate)
        await service.start()
        stop = asyncio.Event()
        worker = asyncio.ensure_future(
            ErasureWorker(js, services=("enrolment",), poll_seconds=0.05).run(stop)
        )

        async def both_completed() -> bool:
            done = await stored_in(js, "PRIVACY")
            return sum(1 for m in done if m.subject == "privacy.completed.iom") == 2

        await eventually(both_completed, timeout=90)
        stop.set()
        await worker
        await eventually(lambda: _drained(js, database_url), timeout=30)
    finally:
        await service.kill()

    # The end state of one clean erasure: A's seat withdrawn, B promoted into it, names gone.
    assert await value(database_url, status, EA) == "cancelled"
    assert await value(database_url, status, EB) == "confirmed"
    names = "SELECT given_name IS NULL AND email IS NULL FROM participants WHERE participant_id=$1"
    assert await value(database_url, names, A) is True
    events = [json.loads(m.data) for m in await stored_in(js, "ENROLMENT")]
    cancelled = [e for e in events if e["type"] == "enrolment.cancelled.v1"]
    promoted = [
        e
        for e in events
        if e["type"] == "enrolment.confirmed.v1" and e["data"]["enrolment_id"] == EB
    ]
    assert [e["data"]["enrolment_id"] for e in cancelled] == [EA]  # once, not per attempt
    assert len(promoted) == 1 and promoted[0]["data"]["promoted_from_waitlist"]
    texts = [m.data.decode() for m in await stored_in(js, "INTAKE")]
    assert not [t for t in texts if "zubeida1." in t or "Zubeida1q" in t]
    async with fresh_database(pg_admin_dsn) as again:
        await rebuild(enrolment, nats_url, again)
        assert await state(again) == await state(database_url)


async def _is(url: str, sql: str, arg: str, want: str) -> bool:
    try:
        return await value(url, sql, arg) == want
    except asyncpg.UndefinedTableError:  # the service is still migrating its database
        return False


async def _waiting_on_lock(admin_dsn: str, database_url: str) -> bool:
    """The service's erasure transaction is blocked on the person's row."""
    name = database_url.rsplit("/", 1)[1]
    return bool(
        await value(
            admin_dsn,
            """SELECT count(*) FROM pg_stat_activity
               WHERE datname = $1 AND wait_event_type = 'Lock'""",
            name,
        )
    )


async def _drained(js: Any, database_url: str) -> bool:
    info = await js.consumer_info("INTAKE", "enrolment-intake")
    sql = "SELECT count(*) FROM outbox WHERE published_at IS NULL"
    unpublished = await value(database_url, sql)
    return info.num_pending == 0 and info.num_ack_pending == 0 and unpublished == 0
