"""What the network rejected later: each agency reads its own dead-letters and no other's;
operators list, show and replay them with `cohort deadletters`, once each."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from cohort_cli.main import parser
from cohort_kit import Runtime

from tests import auth
from tests.enrolment import builders as b
from tests.enrolment.conftest import deadletters, wait_for
from tests.harness import eventually
from tests.ingress.conftest import intake_ids
from tests.ingress.sdk import batch, structured
from tests.ingress.test_intake import assert_stored, post

pytestmark = pytest.mark.integration


@pytest.fixture
async def quick_enrolment(js: Any, nats_url: str, database_url: str) -> AsyncIterator[Runtime]:
    """Enrolment deciding for good after a 1-second retry window."""
    runtime = b.runtime(nats_url, database_url, retry_window_seconds=1.0)
    await runtime.start()
    yield runtime
    await runtime.stop()


async def cohort(*argv: str) -> int:
    """`cohort ARGV` in a thread (its own event loop), without `main`'s logging set-up, which
    would bind structlog to this test's captured output for every later test."""
    args = parser().parse_args(list(argv))
    return int(await asyncio.to_thread(args.func, args))


async def test_fix_and_replay_with_rejections_visible_only_to_their_agency(
    js, nats_url, ingress, http, quick_enrolment, capsys
):
    # A withdrawal for an enrolment the network has never heard of: valid, so stored, but
    # enrolment dead-letters it once its retry window is over.
    withdrawal = b.withdrawn("iom:e-1")
    await assert_stored(js, await post(http, structured(withdrawal)))
    parked = await eventually(lambda: deadletters(js), timeout=30)
    assert [(d["service"], d["reason"]) for d in parked] == [("enrolment", "unknown_enrolment")]

    mine = await http.get("/v1/rejections", headers=auth.headers("agency:iom"))
    assert mine.status_code == 200
    [rejection] = mine.json()["rejections"]
    assert rejection["reason"] == "unknown_enrolment"
    assert rejection["event"]["id"] == withdrawal["id"]
    assert "unknown" in rejection["detail"]
    theirs = await http.get("/v1/rejections", headers=auth.headers("agency:icmpd"))
    assert theirs.json()["rejections"] == []
    later = await http.get(
        "/v1/rejections",
        params={"since": "2999-01-01T00:00:00Z"},
        headers=auth.headers("agency:iom"),
    )
    assert later.json()["rejections"] == []
    assert (await http.get("/v1/rejections")).status_code == 401

    # The fix: the agency sends what was missing, the enrolment is confirmed.
    fix = [b.course(), b.session(), b.participant("iom:p-1"), b.request("iom:e-1", "iom:p-1")]
    await assert_stored(js, await post(http, batch(fix)))
    await wait_for(js, 1, "enrolment.confirmed.v1")

    capsys.readouterr()
    assert await cohort("deadletters", "list", "--agency", "iom", "--nats-url", nats_url) == 0
    listed = capsys.readouterr().out
    assert "unknown_enrolment" in listed and withdrawal["id"] in listed
    assert await cohort("deadletters", "list", "--agency", "icmpd", "--nats-url", nats_url) == 0
    assert "0 dead-letters" in capsys.readouterr().out

    replay = ("deadletters", "replay", "--reason", "unknown_enrolment", "--agency", "iom")
    assert await cohort(*replay, "--by", "ops-amina", "--nats-url", nats_url) == 0
    assert "replayed 1," in capsys.readouterr().out
    cancelled = await wait_for(js, 1, "enrolment.cancelled.v1")
    assert cancelled[0]["subject"] == "iom:e-1"
    assert (await intake_ids(js)).count(withdrawal["id"]) == 2  # the original and the replay

    # Never twice: the second run finds the replay record and publishes nothing.
    assert await cohort(*replay, "--by", "ops-other", "--nats-url", nats_url) == 0
    out = capsys.readouterr().out
    assert "already_replayed" in out and "ops-amina" in out and "replayed 0," in out
    assert (await intake_ids(js)).count(withdrawal["id"]) == 2
    seq = str(rejection["deadletter_seq"])
    assert await cohort("deadletters", "show", seq, "--nats-url", nats_url) == 0
    shown = capsys.readouterr().out
    assert '"reason": "unknown_enrolment"' in shown and '"by": "ops-amina"' in shown


async def test_a_replay_that_still_breaks_todays_contracts_is_not_republished(js, nats_url, capsys):
    from tests.harness import publish_raw
    from tests.ingress.conftest import intake as read_intake

    await publish_raw(js, "intake.iom.participant.registered", b'{"not": "an event"}', "x-1")
    record = {
        "service": "enrolment",
        "consumer": "enrolment-intake",
        "reason": "malformed_envelope",
        "detail": "envelope: ...",
        "subject": "intake.iom.participant.registered",
        "stream": "INTAKE",
        "stream_seq": 1,
        "deliveries": 1,
        "headers": {},
        "body_base64": "eyJub3QiOiAiYW4gZXZlbnQifQ==",
        "body_text": '{"not": "an event"}',
        "dead_lettered_at": "2026-01-01T00:00:00+00:00",
    }
    import json

    await js.publish("deadletter.enrolment", json.dumps(record).encode())
    capsys.readouterr()
    code = await cohort("deadletters", "replay", "--agency", "iom", "--nats-url", nats_url)
    assert code == 1
    assert "still_invalid" in capsys.readouterr().out
    assert len(await read_intake(js)) == 1
