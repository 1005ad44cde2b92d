"""`cohort up` runs the erasure worker next to the services: an erasure completes with
nothing else started (the processes, NATS accounts and users of a real local deployment)."""

from __future__ import annotations

import json

import nats
import pytest
from cohort_cli.stack import WORKER

from tests.faults.network import new_stack
from tests.harness import eventually, publish_event
from tests.harness import read_stream as stored_in
from tests.privacy import history as h

pytestmark = pytest.mark.e2e


async def test_cohort_up_starts_the_erasure_worker_and_an_erasure_completes(tmp_path):
    stack = new_stack(tmp_path / "stack")
    try:
        await stack.start()
        worker = stack.children[WORKER]
        assert worker.returncode is None
        nc = await nats.connect(stack.nats_url)
        js = nc.jetstream()
        request = h.erase("iom:p-up", 10)
        for event in (h.person("iom:p-up", 7), request):
            await publish_event(js, event)

        async def completed() -> list[dict]:
            stored = await stored_in(js, "PRIVACY", "privacy.completed.iom")
            return [json.loads(m.data) for m in stored]

        done = await eventually(completed, timeout=90, interval=0.5)
        assert done[0]["data"]["request_id"] == request["id"]
        assert {s["stream"] for s in done[0]["data"]["redacted"]} == {"INTAKE"}
        texts = [m.data.decode() for m in await stored_in(js, "INTAKE")]
        assert not [t for t in texts if "zubeida7." in t]
        await nc.drain()
    finally:
        await stack.stop()
    assert worker.returncode is not None  # stopped with the stack, nothing left running
