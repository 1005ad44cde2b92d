"""`cohort up`: embedded NATS + PostgreSQL, provisioning, and the four services as children.

Each service's log lines are printed with its name in front. Ctrl-C (or SIGTERM) stops the
services first (they finish in-flight messages), then PostgreSQL and NATS: nothing is left
running.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from .embedded import EmbeddedNats, EmbeddedPostgres
from .mailsink import MailSink
from .provisioning import provision_databases, provision_streams
from .services import SERVICES, database_name

REGISTRY = Path(__file__).resolve().parents[2] / "deploy" / "access.yaml"
COLOURS = {"enrolment": 36, "certification": 35, "notification": 33, "reporting": 32}


@dataclass
class StackOptions:
    data_dir: Path = Path(".cohort")
    nats_port: int = 14222
    pg_port: int = 15432
    http_port_base: int = 18080
    smtp_port: int = 11025
    services: tuple[str, ...] = SERVICES
    quiet: bool = False  # demo: only warnings and errors from services


@dataclass
class Stack:
    options: StackOptions
    nats: EmbeddedNats | None = None
    postgres: EmbeddedPostgres | None = None
    mail: MailSink | None = None
    children: dict[str, asyncio.subprocess.Process] = field(default_factory=dict)
    _pumps: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def nats_url(self) -> str:
        return f"nats://127.0.0.1:{self.options.nats_port}"

    @property
    def admin_dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.options.pg_port}/postgres"

    def http_port(self, service: str) -> int:
        return self.options.http_port_base + SERVICES.index(service)

    async def start(self) -> None:
        o = self.options
        started = time.monotonic()
        say(f"data directory {o.data_dir.resolve()}")
        self.nats = EmbeddedNats(o.data_dir / "nats", o.nats_port).start()
        say(f"NATS JetStream on {self.nats_url}")
        self.postgres = await asyncio.to_thread(
            EmbeddedPostgres(o.data_dir / "postgres", o.pg_port).start
        )
        say(f"PostgreSQL on 127.0.0.1:{o.pg_port}")
        self.mail = MailSink(o.data_dir / "mail", o.smtp_port).start()
        say(f"SMTP catcher on 127.0.0.1:{o.smtp_port}, e-mails kept in {o.data_dir / 'mail'}")
        for change in await provision_streams(self.nats_url):
            say(f"  {change}")
        for change in await provision_databases(self.admin_dsn, o.services):
            say(f"  {change}")
        for service in o.services:
            await self._spawn(service)
        await self.wait_ready()
        say(f"all services ready in {time.monotonic() - started:.1f}s")
        for service in o.services:
            say(f"  {service:<14} http://127.0.0.1:{self.http_port(service)}")

    async def _spawn(self, service: str) -> None:
        env = {
            **os.environ,
            "COHORT_NATS_URL": self.nats_url,
            "COHORT_DATABASE_URL": (
                f"postgresql://postgres@127.0.0.1:{self.options.pg_port}/{database_name(service)}"
            ),
            "COHORT_HTTP_PORT": str(self.http_port(service)),
            "COHORT_LOG_FORMAT": "console",
            "COHORT_LOG_LEVEL": "warning" if self.options.quiet else "info",
            # Where services find each other's public pages and the local mail catcher.
            "COHORT_PUBLIC_BASE_URL": f"http://127.0.0.1:{self.http_port(service)}",
            "COHORT_SMTP_HOST": "127.0.0.1",
            "COHORT_SMTP_PORT": str(self.options.smtp_port),
            # Report subscriptions (notification): the demo registry and reporting's files.
            "COHORT_REGISTRY_FILE": str(REGISTRY),
            "COHORT_REPORTS_BASE_URL": f"http://127.0.0.1:{self.http_port('reporting')}",
            "COHORT_PUBLIC_URL": f"http://127.0.0.1:{self.http_port(service)}",
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            f"cohort_{service}",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches us; we stop children in order
        )
        self.children[service] = proc
        self._pumps.append(asyncio.ensure_future(self._pump(service, proc)))

    async def _pump(self, service: str, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        colour = COLOURS.get(service, 0)
        prefix = (
            f"\033[{colour}m{service:>13}\033[0m | " if sys.stdout.isatty() else f"{service:>13} | "
        )
        async for line in proc.stdout:
            sys.stdout.write(prefix + line.decode(errors="replace"))
            sys.stdout.flush()

    async def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        pending = set(self.options.services)
        async with httpx.AsyncClient(timeout=1.0) as client:
            while pending:
                for service in list(pending):
                    proc = self.children[service]
                    if proc.returncode is not None:
                        raise RuntimeError(f"{service} exited with code {proc.returncode}")
                    with contextlib.suppress(httpx.HTTPError):
                        url = f"http://127.0.0.1:{self.http_port(service)}/readyz"
                        if (await client.get(url)).status_code == 200:
                            pending.discard(service)
                if pending and time.monotonic() > deadline:
                    raise RuntimeError(
                        f"not ready after {timeout:.0f}s: {', '.join(sorted(pending))}"
                    )
                await asyncio.sleep(0.1)

    # Fault injection (tests/faults, bench): kill and bring back parts of the network.

    async def kill_service(self, service: str) -> None:
        """SIGKILL a service: no shutdown, in-flight work is lost to the process."""
        proc = self.children[service]
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()

    async def restart_service(self, service: str) -> None:
        if self.children[service].returncode is None:
            await self.kill_service(service)
        await self._spawn(service)

    async def restart_nats(self) -> None:
        """Stop NATS and start it again on the same port and store."""
        assert self.nats is not None
        self.nats.stop()
        self.nats = EmbeddedNats(self.options.data_dir / "nats", self.options.nats_port).start()

    async def stop_postgres(self) -> None:
        assert self.postgres is not None
        await asyncio.to_thread(self.postgres.stop)

    async def start_postgres(self) -> None:
        self.postgres = await asyncio.to_thread(
            EmbeddedPostgres(self.options.data_dir / "postgres", self.options.pg_port).start
        )

    async def stop(self) -> None:
        for proc in self.children.values():
            if proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGTERM)
        for service, proc in self.children.items():
            try:
                await asyncio.wait_for(proc.wait(), 30)
            except TimeoutError:
                say(f"{service} did not stop in 30s; killing it")
                proc.kill()
                await proc.wait()
        for pump in self._pumps:
            pump.cancel()
        if self.mail is not None:
            self.mail.stop()
        if self.postgres is not None:
            await asyncio.to_thread(self.postgres.stop)
        if self.nats is not None:
            self.nats.stop()
        say("stopped: services, PostgreSQL and NATS")


def say(text: str) -> None:
    print(f"cohort | {text}", flush=True)
