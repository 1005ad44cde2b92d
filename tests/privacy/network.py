"""The four services, the erasure worker and an SMTP sink, running against real servers."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
from cohort_certification.app import definition as certification
from cohort_certification.settings import CertificationSettings
from cohort_cli.embedded import free_port
from cohort_enrolment.app import definition as enrolment
from cohort_enrolment.settings import EnrolmentSettings
from cohort_kit import Runtime
from cohort_kit.eraser import ErasureWorker
from cohort_notification.app import definition as notification
from cohort_notification.settings import NotificationSettings
from cohort_reporting.app import definition as reporting
from cohort_reporting.settings import ReportingSettings

from tests.conftest import fresh_database
from tests.notification.sinks import SmtpSink

SERVICES = ("enrolment", "certification", "notification", "reporting")
FAST = {"http_port": 0, "relay_poll_seconds": 0.1, "retry_max_delay_seconds": 0.3}


class Network:
    def __init__(self, nats_url: str, databases: dict[str, str], smtp: SmtpSink) -> None:
        self.nats_url = nats_url
        self.databases = databases
        self.smtp = smtp
        self.runtimes: dict[str, Runtime] = {}
        self.worker_task: asyncio.Task[None] | None = None
        self.stop_worker = asyncio.Event()

    async def start(self) -> None:
        url, db = self.nats_url, self.databases
        self.runtimes = {
            "enrolment": Runtime(
                enrolment,
                EnrolmentSettings(nats_url=url, database_url=db["enrolment"], **FAST),
            ),
            "certification": Runtime(
                certification,
                CertificationSettings(
                    nats_url=url,
                    database_url=db["certification"],
                    retry_window_seconds=5.0,
                    signing_keys={"iom": "22" * 32},
                    **FAST,
                ),
            ),
            "notification": Runtime(
                notification,
                NotificationSettings(
                    nats_url=url,
                    database_url=db["notification"],
                    smtp_port=self.smtp.port,
                    retry_window_seconds=1.0,
                    delivery_poll_seconds=0.1,
                    digest_poll_seconds=0.2,
                    shutdown_grace_seconds=2.0,
                    **FAST,
                ),
            ),
            "reporting": Runtime(
                reporting,
                ReportingSettings(
                    nats_url=url,
                    database_url=db["reporting"],
                    summary_poll_seconds=0.2,
                    summary_quiet_seconds=0.5,
                    **FAST,
                ),
            ),
        }
        for runtime in self.runtimes.values():
            await runtime.start()

    async def start_worker(self, js: Any) -> None:
        self.stop_worker.clear()
        worker = ErasureWorker(js, poll_seconds=0.1)
        self.worker_task = asyncio.ensure_future(worker.run(self.stop_worker))

    async def stop(self) -> None:
        self.stop_worker.set()
        if self.worker_task is not None:
            with contextlib.suppress(Exception):
                await self.worker_task
        for runtime in self.runtimes.values():
            await runtime.stop()


@contextlib.asynccontextmanager
async def network(nats_url: str, pg_admin_dsn: str) -> AsyncIterator[Network]:
    async with contextlib.AsyncExitStack() as stack:
        dbs = {s: await stack.enter_async_context(fresh_database(pg_admin_dsn)) for s in SERVICES}
        smtp = SmtpSink(free_port()).start()
        stack.callback(smtp.stop)
        net = Network(nats_url, dbs, smtp)
        await net.start()
        try:
            yield net
        finally:
            await net.stop()


async def dump(database_url: str) -> str:
    """Every row of every table of the database, as text (what a data dump holds)."""
    con = await asyncpg.connect(database_url)
    try:
        tables = await con.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        out = []
        for t in tables:
            rows = await con.fetch(f'SELECT t::text AS row FROM "{t["tablename"]}" t')
            out.extend(f"{t['tablename']}: {r['row']}" for r in rows)
            # outbox bodies are bytea: search them decoded too
            if t["tablename"] == "outbox":
                bodies = await con.fetch("SELECT convert_from(body, 'UTF8') AS b FROM outbox")
                out.extend(r["b"] for r in bodies)
        return "\n".join(out)
    finally:
        await con.close()


async def stream_texts(js: Any, stream: str) -> list[str]:
    """Every message stored in a stream, as text; dead-letters with their original decoded."""
    import base64

    info = await js.stream_info(stream)
    texts = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        try:
            msg = await js.get_msg(stream, seq)
        except Exception:
            continue
        text = (msg.data or b"").decode("utf-8", "replace") + json.dumps(msg.headers or {})
        if stream == "DEADLETTER":
            body = json.loads(msg.data).get("body_base64") or ""
            text += base64.b64decode(body).decode("utf-8", "replace")
        texts.append(text)
    return texts
