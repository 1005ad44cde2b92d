"""An agency's own account, against a real nats-server with the generated configuration: it
reads durably, with its own credentials, its programme reports, the dead-letters of its own
intake and its completed erasures, and nothing of another agency's by any JetStream API call
(docs/decisions/0005-agency-feedback-over-nats.md). And the erasure worker's user can do its
work and nothing else.
"""

# ruff: noqa: F811 - the fixtures `server` and `connect` come from test_access

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import nats
import pytest
from cohort_cli.access import (
    erasures_durable,
    inbox_prefix,
    reader_durable,
    rejections_durable,
)
from cohort_kit.eraser import ErasureWorker

from tests import factories
from tests.harness import drain, eventually
from tests.operations.test_access import (  # noqa: F401 - the server and its users
    COHORT_API,
    connect,
    publish_report,
    server,
)
from tests.privacy.history import erase

pytestmark = pytest.mark.integration


async def agency(connect: Any, name: str) -> Any:
    user = {"AGENCY_IOM": "iom", "AGENCY_ICMPD": "icmpd"}.get(name, name)
    if user.startswith("open-"):
        return await connect(user)
    return await connect(user, inbox_prefix=inbox_prefix(user))


async def bind(session: Any, durable: str, stream: str) -> Any:
    js = session.nc.jetstream(prefix=COHORT_API, timeout=2)
    return await js.pull_subscribe_bind(durable, stream)


async def test_an_offline_agency_gets_exactly_its_programme_reports_in_order_once(
    connect: Any,
) -> None:
    iom = await agency(connect, "AGENCY_IOM")
    await drain(await bind(iom, reader_durable("AGENCY_IOM"), "REPORTS"))
    await iom.nc.close()  # offline
    for n, subject in enumerate(
        [
            "reports.programme.EMM2_0.monthly",
            "reports.programme.Reintegration.monthly",  # ICMPD's
            "reports.country.COM.monthly",
            "reports.programme.TOT.quarterly",
        ]
    ):
        await publish_report(connect, subject, n)
    iom = await agency(connect, "AGENCY_IOM")
    got = [
        json.loads(m.data)
        for m in await drain(await bind(iom, reader_durable("AGENCY_IOM"), "REPORTS"))
    ]
    assert got == [
        {"s": "reports.programme.EMM2_0.monthly", "n": 0},
        {"s": "reports.programme.TOT.quarterly", "n": 3},
    ]
    await iom.nc.close()
    iom = await agency(connect, "AGENCY_IOM")  # acknowledged: not again
    assert await drain(await bind(iom, reader_durable("AGENCY_IOM"), "REPORTS")) == []
    admin = (await connect("provisioner")).nc.jetstream()
    icmpd = await admin.consumer_info("REPORTS", reader_durable("AGENCY_ICMPD"))
    assert (icmpd.num_pending, icmpd.delivered.stream_seq) == (1, 0)


async def run_probe(proc: Any, passwords: dict[str, str], database_url: str) -> Any:
    """A consuming service with enrolment's own NATS user: it dead-letters what it cannot
    apply through the kit, on the subjects the kit chooses."""
    from tests.integration import probe

    url = f"nats://enrolment:{passwords['enrolment']}@127.0.0.1:{proc.port}"
    return await probe.start_as_enrolment(url, database_url)


async def reject_one_each(connect: Any, server: Any, database_url: str) -> tuple[str, str]:
    """IOM and ICMPD each publish an event the network refuses, and go offline; returns the
    ids of the two events once both are dead-lettered."""
    proc, passwords = server
    runtime = await run_probe(proc, passwords, database_url)
    try:
        iom, icmpd = await agency(connect, "AGENCY_IOM"), await agency(connect, "AGENCY_ICMPD")
        bad_iom = factories.participant("iom:p-dl", email="not an e-mail")
        bad_icmpd = factories.participant("icmpd:p-dl", agency="icmpd", email="nope")
        for session, agency_, event in ((iom, "iom", bad_iom), (icmpd, "icmpd", bad_icmpd)):
            await session.nc.jetstream().publish(
                f"intake.{agency_}.participant.registered",
                json.dumps(event).encode(),
                headers={"Nats-Msg-Id": event["id"]},
            )
            await session.nc.close()  # offline before the network decides
        admin = (await connect("provisioner")).nc.jetstream()

        async def parked() -> Any:
            info = await admin.stream_info("DEADLETTER")
            return (info.state.messages or 0) >= 2 or None

        await eventually(parked, timeout=20)
        info = await admin.stream_info("DEADLETTER", subjects_filter=">")
        assert set(info.state.subjects or {}) == {
            "deadletter.enrolment.iom",
            "deadletter.enrolment.icmpd",
        }
    finally:
        await runtime.stop()
    return bad_iom["id"], bad_icmpd["id"]


async def test_iom_reads_its_own_rejection_over_nats_after_being_offline(
    server: Any, connect: Any, database_url: str
) -> None:
    iom_id, icmpd_id = await reject_one_each(connect, server, database_url)
    iom = await agency(connect, "AGENCY_IOM")
    got = await drain(await bind(iom, rejections_durable("AGENCY_IOM"), "DEADLETTER"))
    assert [m.subject for m in got] == ["deadletter.enrolment.iom"]
    record = json.loads(got[0].data)
    assert record["reason"] == "schema_violation" and "email" in record["detail"]
    original = json.loads(base64.b64decode(record["body_base64"]))
    assert original["id"] == iom_id and original["agency"] == "iom"
    assert icmpd_id not in got[0].data.decode()
    await iom.nc.close()
    iom = await agency(connect, "AGENCY_IOM")  # acknowledged: not again
    assert await drain(await bind(iom, rejections_durable("AGENCY_IOM"), "DEADLETTER")) == []
    # Operators and the HTTP side still read both (cohort deadletters, GET /v1/rejections).
    from cohort_kit.deadletter import read_parked

    admin = (await connect("provisioner")).nc.jetstream()
    assert sorted(p.agency or "" for p in await read_parked(admin)) == ["icmpd", "iom"]


@pytest.mark.parametrize("user", ["AGENCY_IOM", "open-iom"])
async def test_iom_cannot_read_icmpds_reports_rejections_or_erasures_by_any_jetstream_call(
    server: Any, connect: Any, database_url: str, user: str
) -> None:
    await reject_one_each(connect, server, database_url)
    iom = await agency(connect, user)
    for prefix in (COHORT_API, "$JS.API"):
        js = iom.nc.jetstream(prefix=prefix, timeout=1)
        for stream, durable in (
            ("REPORTS", reader_durable("AGENCY_ICMPD")),
            ("DEADLETTER", rejections_durable("AGENCY_ICMPD")),
            ("PRIVACY", erasures_durable("AGENCY_ICMPD")),
        ):
            with pytest.raises(Exception):  # noqa: B017 - refused or unanswered, never served
                await js.consumer_info(stream, durable)
            with pytest.raises(Exception):  # noqa: B017 - bound to ICMPD's: nothing comes
                sub = await js.pull_subscribe_bind(durable, stream)
                await sub.fetch(1, timeout=1)
            with pytest.raises(Exception):  # noqa: B017
                await js.stream_info(stream)
            with pytest.raises(Exception):  # noqa: B017
                await js.get_msg(stream, 1)
            with pytest.raises(Exception):  # noqa: B017
                await js.get_last_msg(stream, "deadletter.enrolment.icmpd")
            with pytest.raises(Exception):  # noqa: B017
                await js.add_consumer(stream, name="peek", filter_subject=">", deliver_subject="x")
            with pytest.raises(Exception):  # noqa: B017
                await js.add_consumer(stream, durable_name="peek", filter_subject=">")
        with pytest.raises(Exception):  # noqa: B017
            await js.add_stream(name="MINE", sources=[{"name": "DEADLETTER"}])
    # Its own consumer answers with its own filter only.
    own = iom.nc.jetstream(prefix=COHORT_API, timeout=2)
    info = await own.consumer_info("DEADLETTER", rejections_durable("AGENCY_IOM"))
    assert (info.config.filter_subjects or [info.config.filter_subject]) == ["deadletter.*.iom"]
    # Acknowledging on ICMPD's behalf does not reach ICMPD's consumer.
    await iom.nc.publish(f"$JS.ACK.DEADLETTER.{rejections_durable('AGENCY_ICMPD')}.1.1.1.0.0", b"")
    await iom.nc.flush()
    admin = (await connect("provisioner")).nc.jetstream()
    icmpd = await admin.consumer_info("DEADLETTER", rejections_durable("AGENCY_ICMPD"))
    assert (icmpd.num_pending, icmpd.ack_floor.stream_seq) == (1, 0)


async def run_worker(server: Any, until: Any) -> None:
    """The erasure worker as the `privacy` user (no service confirmations to wait for)."""
    proc, passwords = server
    nc = await nats.connect(f"nats://privacy:{passwords['privacy']}@127.0.0.1:{proc.port}")
    stop = asyncio.Event()
    task = asyncio.ensure_future(
        ErasureWorker(nc.jetstream(), services=(), poll_seconds=0.1).run(stop)
    )
    try:
        await eventually(until, timeout=30)
    finally:
        stop.set()
        await task
        await nc.close()


async def test_an_offline_agency_gets_its_completed_erasure_and_not_another_agencys(
    server: Any, connect: Any
) -> None:
    admin = (await connect("provisioner")).nc.jetstream()
    iom, icmpd = await agency(connect, "AGENCY_IOM"), await agency(connect, "AGENCY_ICMPD")
    await drain(await bind(iom, erasures_durable("AGENCY_IOM"), "PRIVACY"))
    for session, name in ((iom, "iom"), (icmpd, "icmpd")):
        js = session.nc.jetstream()
        for event in (
            factories.participant(f"{name}:p-er", agency=name),
            erase(f"{name}:p-er", 500, agency=name),
        ):
            subject = f"intake.{name}.{event['type'].rsplit('.', 1)[0]}"
            await js.publish(
                subject, json.dumps(event).encode(), headers={"Nats-Msg-Id": event["id"]}
            )
    await iom.nc.close()  # offline while the network erases

    async def both_completed() -> Any:
        info = await admin.stream_info("PRIVACY", subjects_filter="privacy.completed.>")
        return len(info.state.subjects or {}) == 2 or None

    await run_worker(server, both_completed)
    iom = await agency(connect, "AGENCY_IOM")
    got = await drain(await bind(iom, erasures_durable("AGENCY_IOM"), "PRIVACY"))
    assert [m.subject for m in got] == ["privacy.completed.iom"]
    done = json.loads(got[0].data)
    assert done["type"] == "erasure.completed.v1" and done["agency"] == "iom"
    assert done["data"]["participant_id"] == "iom:p-er"
    assert [d["type"] for d in done["data"]["agency_must_erase"]] == ["participant.registered.v1"]
    # Both registrations are gone from INTAKE (the worker deleted them with its own rights);
    # the two requests stay.
    intake = await admin.stream_info("INTAKE")
    assert (intake.state.last_seq, intake.state.messages) == (4, 2)


async def test_the_privacy_user_cannot_do_what_the_worker_does_not_need(
    server: Any, connect: Any
) -> None:
    worker = await connect("privacy")
    js = worker.nc.jetstream(timeout=1)
    await publish_report(connect, "reports.country.COM.monthly")
    refused = [
        js.add_stream(name="MINE", subjects=["mine.>"]),
        js.delete_stream("INTAKE"),
        js.purge_stream("DEADLETTER"),
        js.update_stream(name="INTAKE", subjects=["intake.>"], max_age=1.0),
        js.delete_consumer("INTAKE", "enrolment-intake"),
        js.delete_msg("REPORTS", 1),
        js.publish("intake.iom.participant.erasure_requested", b"{}"),
        js.publish("enrolment.confirmed", b"{}"),
        js.publish("reports.country.COM.monthly", b"{}"),
        js.publish("privacy.erased.enrolment.x", b"{}"),  # a service's confirmation
    ]
    for call in refused:
        with pytest.raises(Exception):  # noqa: B017 - refused or unanswered, never done
            await call
    assert 'publish to "intake.iom.participant.erasure_requested"' in worker.violations()
    admin = (await connect("provisioner")).nc.jetstream()
    assert (await admin.stream_info("REPORTS")).state.messages >= 1
    assert {s.config.name for s in await admin.streams_info()} >= {"INTAKE", "DEADLETTER"}
    assert "MINE" not in {s.config.name for s in await admin.streams_info()}
    await admin.consumer_info("INTAKE", "enrolment-intake")  # still there
