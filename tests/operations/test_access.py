"""The access file, turned into nats-server configuration by `cohort access`, holds against a
real nats-server: each ministry sees only its own country's reports by any route, an agency
publishes only its own intake and reads no other agency's.

Besides the generated users, the server has "open" users with no subject permissions at all
in three accounts: what they cannot see is kept from them by the account boundary alone.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import bcrypt
import nats
import pytest
from cohort_cli.access import (
    build,
    env_key,
    inbox_prefix,
    js_prefix,
    load,
    read_env,
    reader_durable,
    render,
    subscriber_consumers,
)
from cohort_cli.embedded import free_port
from cohort_cli.main import parser
from cohort_contracts.streams import TOPOLOGY, Topology
from cohort_kit.topology import provision
from nats.aio.client import Client

from tests.harness import drain, value
from tests.operations.servers import NatsProcess, check_config


def cohort(argv: list[str]) -> int:
    """A `cohort` command in-process, without `main()`'s logging set-up (which would stay
    configured, and cached, for every later test of this process)."""
    args = parser().parse_args(argv)
    return int(args.func(args))


ROOT = Path(__file__).resolve().parents[2]
ACCESS = ROOT / "deploy" / "access.yaml"
OPEN = {"MINISTRY_COM": "open-com", "AGENCY_IOM": "open-iom", "AGENCY_ICMPD": "open-icmpd"}
OPEN_PASSWORD = "open-sesame"

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[NatsProcess, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("access")
    passwords: dict[str, str] = {}
    config = build(load(ACCESS), passwords, {}, cost=4)
    hashed = bcrypt.hashpw(OPEN_PASSWORD.encode(), bcrypt.gensalt(4)).decode()
    for account, user in OPEN.items():
        config["accounts"][account]["users"].append({"user": user, "password": hashed})
    (folder / "accounts.conf").write_text(render(config))
    port = free_port()
    conf = folder / "nats.conf"
    conf.write_text(
        f"listen: 127.0.0.1:{port}\n"
        f'jetstream {{ store_dir: "{folder / "js"}", sync_interval: always }}\n'
        "include ./accounts.conf\n"
    )
    checked = check_config(conf)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    proc = NatsProcess(conf, port, folder / "nats.log").start()
    yield proc, passwords
    proc.stop()


class Session:
    """One connected user and every asynchronous error the server sent it."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.nc: Client | None = None

    async def connect(self, url: str, user: str, password: str, **options: Any) -> Session:
        async def on_error(exc: Exception) -> None:
            self.errors.append(str(exc))

        self.nc = await nats.connect(
            url,
            user=user,
            password=password,
            error_cb=on_error,
            max_reconnect_attempts=0,
            **options,
        )
        return self

    def violations(self) -> str:
        """Permission errors, lower-cased (nats-py lower-cases the server's -ERR)."""
        return "\n".join(e.lower() for e in self.errors if "permissions" in e.lower())


@pytest.fixture
async def connect(
    server: tuple[NatsProcess, dict[str, str]],
) -> AsyncIterator[Any]:
    proc, passwords = server
    sessions: list[Session] = []

    async def open_(user: str, **options: Any) -> Session:
        password = OPEN_PASSWORD if user in OPEN.values() else passwords[user]
        session = await Session().connect(proc.url, user, password, **options)
        sessions.append(session)
        return session

    admin = await open_("provisioner")
    assert admin.nc is not None
    js = admin.nc.jetstream()
    for info in await js.streams_info():
        await js.delete_stream(info.config.name)
    subscribers = subscriber_consumers(load(ACCESS))
    await provision(js, Topology(TOPOLOGY.streams, TOPOLOGY.consumers + subscribers))
    yield open_
    for session in sessions:
        if session.nc is not None and not session.nc.is_closed:
            await session.nc.close()


async def collect(nc: Client, subject: str) -> list[str]:
    seen: list[str] = []

    async def on_msg(msg: Any) -> None:
        seen.append(msg.subject)

    await nc.subscribe(subject, cb=on_msg)
    return seen


async def listening(nc: Client, *subjects: str) -> list[list[str]]:
    """What arrives on each subject, collected from now on (subscribed when this returns)."""
    seen = [await collect(nc, subject) for subject in subjects]
    await nc.flush()
    return seen


async def publish_report(connect: Any, subject: str, n: int = 0) -> None:
    reporting = await connect("reporting")
    body = json.dumps({"s": subject, "n": n}).encode()
    ack = await reporting.nc.jetstream().publish(subject, body)
    assert ack.stream == "REPORTS"


async def settle() -> None:
    await asyncio.sleep(0.5)


async def test_a_comoros_ministry_user_receives_comoros_reports_and_no_niger_report(
    connect: Any,
) -> None:
    ministry = await connect("ministry-com")
    own, niger, everything = await listening(
        ministry.nc, "reports.country.COM.>", "reports.country.NER.>", ">"
    )
    opened = await connect("open-com")
    [open_all] = await listening(opened.nc, ">")

    await publish_report(connect, "reports.country.NER.quarterly")
    await publish_report(connect, "reports.country.COM.quarterly")
    await publish_report(connect, "reports.donor.eu.quarterly")
    await settle()

    assert own == ["reports.country.COM.quarterly"]
    assert niger == [] and everything == []
    assert 'subscription to "reports.country.ner.>"' in ministry.violations()
    assert 'subscription to ">"' in ministry.violations()
    # With no subject permissions at all, the account still receives only its own import.
    assert open_all == ["reports.country.COM.quarterly"]


@pytest.mark.parametrize("user", ["ministry-com", "open-com"])
async def test_a_ministry_user_cannot_reach_niger_reports_through_jetstream(
    connect: Any, user: str
) -> None:
    ministry = await connect(user)
    await publish_report(connect, "reports.country.NER.quarterly")
    js = ministry.nc.jetstream(timeout=1)
    with pytest.raises(Exception):  # noqa: B017 - refused or unanswered, never served
        await js.add_consumer("REPORTS", durable_name="peek", filter_subject="reports.>")
    with pytest.raises(Exception):  # noqa: B017
        await js.get_last_msg("REPORTS", "reports.country.NER.quarterly")
    with pytest.raises(Exception):  # noqa: B017
        await js.get_last_msg("REPORTS", "reports.country.NER.quarterly", direct=True)
    with pytest.raises(Exception):  # noqa: B017
        await ministry.nc.request(
            "$JS.API.DIRECT.GET.REPORTS",
            json.dumps({"last_by_subj": "reports.country.NER.quarterly"}).encode(),
            timeout=1,
        )
    with pytest.raises(Exception):  # noqa: B017
        await js.stream_info("REPORTS")
    # The report is there: the services' account can read it.
    admin = (await connect("provisioner")).nc.jetstream()
    assert (await admin.get_last_msg("REPORTS", "reports.country.NER.quarterly")).data


async def test_iom_publishes_its_own_intake_with_a_pub_ack_and_cannot_publish_as_icmpd(
    connect: Any,
) -> None:
    iom = await connect("iom", inbox_prefix=inbox_prefix("iom"))
    js = iom.nc.jetstream(timeout=1)
    ack = await js.publish("intake.iom.course.published", b"{}", headers={"Nats-Msg-Id": "a1"})
    assert ack.stream == "INTAKE"
    with pytest.raises(Exception):  # noqa: B017
        await js.publish("intake.icmpd.course.published", b"{}", headers={"Nats-Msg-Id": "a2"})
    assert 'publish to "intake.icmpd.course.published"' in iom.violations()

    opened = await connect("open-iom")
    with pytest.raises(Exception):  # noqa: B017 - no route from AGENCY_IOM to ICMPD's intake
        await opened.nc.jetstream(timeout=1).publish("intake.icmpd.course.published", b"{}")

    admin = (await connect("provisioner")).nc.jetstream()
    assert (await admin.stream_info("INTAKE")).state.messages == 1
    assert (await admin.get_last_msg("INTAKE", "intake.iom.course.published")).data == b"{}"


async def test_an_agency_reads_its_programme_reports_and_never_another_agencys_intake(
    connect: Any,
) -> None:
    icmpd = await connect("icmpd", inbox_prefix=inbox_prefix("icmpd"))
    intake, reports, others = await listening(
        icmpd.nc, "intake.iom.>", "reports.programme.Reintegration.>", "reports.programme.EMM2_0.>"
    )
    opened = await connect("open-icmpd")
    [open_all] = await listening(opened.nc, ">")

    iom = await connect("iom", inbox_prefix=inbox_prefix("iom"))
    await iom.nc.jetstream().publish("intake.iom.participant.registered", b"{}")
    await publish_report(connect, "reports.programme.EMM2_0.monthly")
    await publish_report(connect, "reports.programme.Reintegration.monthly")
    await settle()

    assert intake == [] and others == []
    assert reports == ["reports.programme.Reintegration.monthly"]
    assert open_all == ["reports.programme.Reintegration.monthly"]
    assert 'subscription to "intake.iom.>"' in icmpd.violations()
    for session in (icmpd, opened):
        with pytest.raises(Exception):  # noqa: B017
            await session.nc.jetstream(timeout=1).add_consumer(
                "INTAKE", durable_name="peek", filter_subject="intake.iom.>"
            )


def test_cohort_access_writes_a_configuration_nats_server_accepts_and_keeps_passwords(
    tmp_path: Path,
) -> None:
    shutil.copy(ROOT / "deploy" / "nats" / "nats.conf", tmp_path / "nats.conf")
    out = tmp_path / "generated"
    assert cohort(["access", str(ACCESS), "--out", str(out), "--cost", "4"]) == 0
    first = read_env(out / "passwords.env")
    assert cohort(["access", str(ACCESS), "--out", str(out), "--cost", "4"]) == 0
    assert read_env(out / "passwords.env") == first
    assert (out / "passwords.env").stat().st_mode & 0o077 == 0
    assert env_key("ministry-COM") in first and env_key("enrolment") in first
    text = (out / "accounts.conf").read_text()
    assert all(password not in text for password in first.values())
    checked = check_config(tmp_path / "nats.conf")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_nats_server_rejects_a_ministry_importing_another_countrys_reports(
    tmp_path: Path,
) -> None:
    config = build(load(ACCESS), {}, {}, cost=4)
    config["accounts"]["MINISTRY_COM"]["imports"].append(
        {"stream": {"account": "COHORT", "subject": "reports.country.NER.>"}}
    )
    (tmp_path / "accounts.conf").write_text(render(config))
    conf = tmp_path / "nats.conf"
    conf.write_text("listen: 127.0.0.1:-1\ninclude ./accounts.conf\n")
    checked = check_config(conf)
    assert checked.returncode != 0
    assert "not authorized" in checked.stdout + checked.stderr


async def test_a_service_runs_with_only_its_own_permissions(
    server: tuple[NatsProcess, dict[str, str]], connect: Any, database_url: str
) -> None:

    from tests import factories
    from tests.harness import eventually
    from tests.integration import probe

    proc, passwords = server
    url = f"nats://enrolment:{passwords['enrolment']}@127.0.0.1:{proc.port}"
    runtime = await probe.start_as_enrolment(url, database_url)
    try:
        iom = await connect("iom", inbox_prefix=inbox_prefix("iom"))
        event = factories.participant("iom:p-perm")
        await iom.nc.jetstream().publish(
            "intake.iom.participant.registered",
            json.dumps(event).encode(),
            headers={"Nats-Msg-Id": event["id"]},
        )

        async def applied() -> Any:

            return await value(database_url, "SELECT count(*) FROM probe_seen")

        assert await eventually(applied, timeout=20) == 1
    finally:
        await runtime.stop()


async def test_the_ingress_publishes_intake_and_reads_deadletters_but_publishes_nothing_else(
    connect: Any,
) -> None:
    from cohort_kit.deadletter import read_parked

    from tests import factories

    ingress = await connect("ingress")
    js = ingress.nc.jetstream(timeout=1)
    event = factories.participant("iom:p-gw")
    ack = await js.publish(
        "intake.iom.participant.registered",
        json.dumps(event).encode(),
        headers={"Nats-Msg-Id": event["id"]},
    )
    assert ack.stream == "INTAKE"
    enrolment = await connect("enrolment")
    record = {"subject": "intake.iom.participant.registered", "reason": "schema_violation"}
    await enrolment.nc.jetstream().publish("deadletter.enrolment", json.dumps(record).encode())
    [parked] = await read_parked(js)
    assert parked.agency == "iom"
    for subject in ("enrolment.confirmed", "deadletter.ingress", "reports.country.COM.x"):
        with pytest.raises(Exception):  # noqa: B017
            await js.publish(subject, b"{}")
        assert f'publish to "{subject.lower()}"' in ingress.violations()
    with pytest.raises(Exception):  # noqa: B017 - no JetStream administration
        await js.delete_stream("INTAKE")


COHORT_API = js_prefix(load(ACCESS))


async def reader(connect: Any, user: str, account: str) -> tuple[Session, Any]:
    """A ministry client bound to its own durable consumer (it cannot create one)."""
    session = await connect(user)
    js = session.nc.jetstream(prefix=COHORT_API, timeout=2)
    return session, await js.pull_subscribe_bind(reader_durable(account), "REPORTS")


async def drain_reader(sub: Any) -> list[dict[str, Any]]:
    """Fetch until the consumer says nothing is pending; ack each report as it comes."""
    return [json.loads(msg.data) for msg in await drain(sub)]


async def test_an_offline_ministry_gets_exactly_its_missed_reports_in_order_once(
    connect: Any,
) -> None:
    ministry, sub = await reader(connect, "ministry-com", "MINISTRY_COM")
    assert await drain_reader(sub) == []
    await ministry.nc.close()  # offline: Moroni loses its link

    for n, subject in enumerate(
        [
            "reports.country.COM.session_summary",
            "reports.country.NER.session_summary",
            "reports.country.COM.monthly",
            "reports.country.NER.monthly",
            "reports.country.COM.quarterly",
        ]
    ):
        await publish_report(connect, subject, n)

    ministry, sub = await reader(connect, "ministry-com", "MINISTRY_COM")
    got = await drain_reader(sub)
    assert got == [
        {"s": "reports.country.COM.session_summary", "n": 0},
        {"s": "reports.country.COM.monthly", "n": 2},
        {"s": "reports.country.COM.quarterly", "n": 4},
    ]
    admin = (await connect("provisioner")).nc.jetstream()
    info = await admin.consumer_info("REPORTS", reader_durable("MINISTRY_COM"))
    assert (info.num_pending, info.num_ack_pending, info.ack_floor.stream_seq) == (0, 0, 5)
    await ministry.nc.close()
    # Acknowledged reports are not delivered again, on a new connection either.
    ministry, sub = await reader(connect, "ministry-com", "MINISTRY_COM")
    assert await drain_reader(sub) == []
    # Niger's reports wait untouched in Niger's own consumer.
    niger = await admin.consumer_info("REPORTS", reader_durable("MINISTRY_NER"))
    assert (niger.num_pending, niger.delivered.stream_seq) == (2, 0)


async def test_a_report_fetched_but_not_acknowledged_comes_again_after_a_reconnect(
    connect: Any,
) -> None:
    await publish_report(connect, "reports.country.COM.quarterly", 7)
    ministry, sub = await reader(connect, "ministry-com", "MINISTRY_COM")
    first = await sub.fetch(1, timeout=2)
    assert json.loads(first[0].data)["n"] == 7
    await first[0].nak()  # e.g. the client crashed while storing it: the server is told so
    await ministry.nc.close()
    ministry, sub = await reader(connect, "ministry-com", "MINISTRY_COM")
    again = await drain_reader(sub)
    assert again == [{"s": "reports.country.COM.quarterly", "n": 7}]


@pytest.mark.parametrize("user", ["ministry-com", "open-com"])
async def test_a_ministry_cannot_create_read_or_bind_a_consumer_that_reaches_another_scope(
    connect: Any, user: str
) -> None:
    await publish_report(connect, "reports.country.NER.quarterly")
    ministry = await connect(user)
    for prefix in (COHORT_API, "$JS.API"):
        js = ministry.nc.jetstream(prefix=prefix, timeout=1)
        with pytest.raises(Exception):  # noqa: B017 - refused or unanswered, never served
            await js.add_consumer("REPORTS", durable_name="peek", filter_subject="reports.>")
        with pytest.raises(Exception):  # noqa: B017
            await js.add_consumer(
                "REPORTS", name="peek", filter_subject="reports.country.NER.>", deliver_subject="x"
            )
        with pytest.raises(Exception):  # noqa: B017
            await js.consumer_info("REPORTS", reader_durable("MINISTRY_NER"))
        with pytest.raises(Exception):  # noqa: B017
            await js.stream_info("REPORTS")
        with pytest.raises(Exception):  # noqa: B017
            await js.add_stream(name="MINE", sources=[{"name": "REPORTS"}])
        with pytest.raises(Exception):  # noqa: B017 - bound to Niger's consumer: nothing comes
            sub = await js.pull_subscribe_bind(reader_durable("MINISTRY_NER"), "REPORTS")
            await sub.fetch(1, timeout=1)
    # Its own consumer answers, and says nothing of Niger's report.
    own = ministry.nc.jetstream(prefix=COHORT_API, timeout=2)
    info = await own.consumer_info("REPORTS", reader_durable("MINISTRY_COM"))
    assert info.config.filter_subject == "reports.country.COM.>" or info.config.filter_subjects == [
        "reports.country.COM.>"
    ]
    assert info.num_pending == 0
    # Acknowledging on Niger's behalf does not reach Niger's consumer.
    await ministry.nc.publish(f"$JS.ACK.REPORTS.{reader_durable('MINISTRY_NER')}.1.1.1.0.0", b"")
    await ministry.nc.flush()
    admin = (await connect("provisioner")).nc.jetstream()
    niger = await admin.consumer_info("REPORTS", reader_durable("MINISTRY_NER"))
    assert (niger.num_pending, niger.ack_floor.stream_seq) == (1, 0)
