"""Signing in worker processes: the same credential as in-process, and a dead worker replaced."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from typing import Any

import pytest
from cohort_certification.app import definition
from cohort_certification.credentials.canon import (
    CREDENTIAL_CONTEXT,
    canonicalize,
    proof_config,
    sha256,
)
from cohort_certification.credentials.keys import SigningKey
from cohort_certification.credentials.signing import proof_hash, proof_options, sign
from cohort_certification.workers import WorkerLost, Workers
from cohort_kit import Runtime

from tests.certification import events
from tests.certification.test_independent_verifier import CREATED, CREDENTIALS, key, ours
from tests.certification.test_service import (
    KEY_SEED,
    count_at_least,
    facts,
    settings,
    stream_events,
)
from tests.harness import eventually

pytestmark = pytest.mark.integration


def exact(credential: dict[str, Any]) -> bytes:
    """The credential as stored and served: byte for byte, key order included."""
    return json.dumps(credential, ensure_ascii=False).encode()


@pytest.mark.parametrize(
    "created",
    [CREATED, "2026-12-04T02:19:15Z", "2026-12-04T02:19:15.123456Z", "2026-12-04T03:19:15+01:00"],
)
def test_the_proof_options_template_is_the_full_canonicalisation(created):
    document = {"@context": list(CREDENTIAL_CONTEXT)}
    proof = proof_options(key().verification_method, created)
    assert proof_hash(document, proof) == sha256(canonicalize(proof_config(document, proof)))


async def test_the_pool_signs_exactly_what_the_process_signs():
    workers = Workers(2)
    try:
        for case, make in CREDENTIALS.items():
            document = make()
            pooled = await workers.run(sign, document, key(), CREATED)
            assert exact(pooled) == exact(sign(document, key(), CREATED)), case
            assert ours(pooled, key()), case
        assert len(workers.pids()) >= 1  # it really ran in other processes
        assert os.getpid() not in workers.pids()
    finally:
        workers.close()


async def test_short_work_runs_on_the_loop_without_a_pool_and_in_the_pool_with_one():
    inline, pooled = Workers(0), Workers(1)
    try:
        assert await inline.run_short(os.getpid) == os.getpid()
        assert inline.pids() == []  # no process was started
        assert await pooled.run_short(os.getpid) in pooled.pids()
    finally:
        inline.close()
        pooled.close()


async def test_a_worker_that_dies_is_replaced():
    workers = Workers(1)
    try:
        first = await workers.run(os.getpid)
        with pytest.raises(WorkerLost):
            await workers.run(os._exit, 1)  # the worker dies in the middle of its job
        second = await workers.run(os.getpid)
        assert second not in (first, os.getpid())
        assert workers.replaced == 1
    finally:
        workers.close()


async def test_a_completion_whose_worker_died_is_retried_and_issued_once(
    js, nats_url, database_url
):
    runtime = Runtime(definition, settings(nats_url, database_url, handler_failure_limit=5))
    await runtime.start()
    try:
        workers = runtime.deps.workers
        await workers.run(os.getpid)  # the pool is up
        pool = workers._pool
        for pid in workers.pids():
            os.kill(pid, signal.SIGKILL)
        await eventually(lambda: _broken(pool))  # the pool knows before the completion comes
        await facts(js, "icmpd:p-w")
        await events.publish_completion(js, events.completed("icmpd:e-w", "icmpd:p-w"))
        rows = await eventually(lambda: count_at_least(database_url, 1))
        issued = await eventually(lambda: _at_least(stream_events(js, "certification.issued"), 1))
        await asyncio.sleep(1.0)  # nothing more comes
        assert len(await count_at_least(database_url, 1) or []) == 1
        assert len(await stream_events(js, "certification.issued")) == 1
    finally:
        await runtime.stop()
    assert workers.replaced == 1
    assert [r["number"] for r in rows] == ["ICMPD-2023-000001"]
    assert issued[0]["data"]["certificate_id"] == rows[0]["certificate_id"]
    credential = json.loads(rows[0]["credential"])
    signing = SigningKey(bytes.fromhex(KEY_SEED), credential["proof"]["verificationMethod"])
    document = {k: v for k, v in credential.items() if k != "proof"}
    again = sign(document, signing, credential["proof"]["created"])  # in this process
    # jsonb keeps its own key order: compare the stored one key-sorted, value for value.
    assert json.dumps(again, sort_keys=True) == json.dumps(credential, sort_keys=True)


async def _broken(pool: Any) -> bool:
    return bool(pool._broken)


async def _at_least(fetch: Any, n: int) -> list[dict] | None:
    found = await fetch
    return found if len(found) >= n else None


SERVICE_WITH_A_POOL = """
import asyncio, os, sys
from cohort_certification.workers import Workers

async def main():
    workers = Workers(1)
    print(await workers.run(os.getpid), flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


async def test_a_sigkilled_service_takes_its_workers_with_it():
    # The worker inherits the service's stdout: an orphan would keep it open, and waiting
    # for the service to end (asyncio's Process.wait waits for its pipes) would never end.
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", SERVICE_WITH_A_POOL, stdout=asyncio.subprocess.PIPE
    )
    assert proc.stdout is not None
    worker = int(await asyncio.wait_for(proc.stdout.readline(), 60))
    assert worker != proc.pid
    proc.kill()
    await asyncio.wait_for(proc.wait(), 20)
    await eventually(lambda: _gone(worker))


async def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


async def test_closing_ends_a_stuck_worker_after_the_grace():
    workers = Workers(1)
    worker = await workers.run(os.getpid)
    stuck = asyncio.ensure_future(workers.run(time.sleep, 60))
    await asyncio.sleep(0.5)  # the worker is in its job
    started = time.monotonic()
    await asyncio.to_thread(workers.close, 0.5)
    assert time.monotonic() - started < 10  # not the 60 s of the job
    await eventually(lambda: _gone(worker))
    stuck.cancel()
