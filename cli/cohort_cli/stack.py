"""`cohort up`: embedded NATS + PostgreSQL, provisioning, the services and the ingress as children.

Secure by default, also locally: NATS runs with the accounts and users generated from the
demo registry (deploy/access.yaml; each service connects as its own user), and a
development token issuer on loopback signs the access tokens the services require
(`cohort token ORG`, `cohort creds ORG`).

Each service's log lines are printed with its name in front. Ctrl-C (or SIGTERM) stops the
services first (they finish in-flight messages), then PostgreSQL and NATS: nothing is left
running.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from cohort_kit.auth import Registry

from . import access
from .devissuer import DevIssuer
from .embedded import EmbeddedNats, EmbeddedPostgres, StartError, port_in_use
from .mailsink import MailSink
from .provisioning import provision_databases, provision_streams
from .secretfiles import ensure as ensure_secrets
from .secretfiles import environment as secret_environment
from .services import GATEWAYS, PROCESSES, SERVICES, database_name

DEMO_REGISTRY = Path(__file__).resolve().parents[2] / "deploy" / "access.yaml"
STATE = "stack.json"  # ports of the running stack, for `cohort creds`
COLOURS = {
    "enrolment": 36,
    "certification": 35,
    "notification": 33,
    "reporting": 32,
    "ingress": 34,
    "privacy": 31,
}
WORKER = "privacy"  # the erasure worker, `cohort privacy worker`, as NATS user `privacy`


@dataclass
class StackOptions:
    data_dir: Path = Path(".cohort")
    nats_port: int = 14222
    pg_port: int = 15432
    http_port_base: int = 18080
    smtp_port: int = 11025
    services: tuple[str, ...] = SERVICES
    gateways: tuple[str, ...] = GATEWAYS  # the HTTP ingress, on the port after the services
    quiet: bool = False  # demo: only warnings and errors from services
    issuer_port: int = 0  # the development token issuer (0: any free port)
    registry: Path = DEMO_REGISTRY  # organisations: NATS accounts and HTTP scopes
    privacy_worker: bool = True  # the erasure worker runs in every deployment (docs/privacy.md)

    def __post_init__(self) -> None:
        # Every path handed to a child process is absolute, whatever the caller typed.
        self.data_dir = Path(self.data_dir).expanduser().resolve()

    def ports(self) -> list[tuple[int, str, str]]:
        """Every port `up` listens on: (port, what, the flag that moves it)."""
        base = [
            (self.nats_port, "NATS", "--nats-port"),
            (self.pg_port, "PostgreSQL", "--pg-port"),
            (self.smtp_port, "the SMTP catcher", "--smtp-port"),
        ]
        http = [
            (self.http_port_base + PROCESSES.index(s), f"{s} HTTP", "--http-port-base")
            for s in self.services + self.gateways
        ]
        issuer = (
            [(self.issuer_port, "the token issuer", "--issuer-port")] if self.issuer_port else []
        )
        return base + http + issuer


@dataclass
class Stack:
    options: StackOptions
    nats: EmbeddedNats | None = None
    postgres: EmbeddedPostgres | None = None
    mail: MailSink | None = None
    issuer: DevIssuer | None = None
    passwords: dict[str, str] = field(default_factory=dict)  # NATS user -> password
    children: dict[str, asyncio.subprocess.Process] = field(default_factory=dict)
    _pumps: list[asyncio.Task[None]] = field(default_factory=list)
    _secrets: dict[str, str] = field(default_factory=dict)

    @property
    def nats_url(self) -> str:
        """The operators' URL (the whole services' account): provisioning, demo, tests."""
        return self.user_url(self.admin_user)

    @property
    def admin_user(self) -> str:
        return access.load(self.options.registry).services.admins[0]

    def user_url(self, user: str) -> str:
        return f"nats://{user}:{self.passwords[user]}@127.0.0.1:{self.options.nats_port}"

    def token(self, org: str) -> str:
        assert self.issuer is not None
        return self.issuer.mint(org)

    @property
    def admin_dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.options.pg_port}/postgres"

    def http_port(self, service: str) -> int:
        return self.options.http_port_base + PROCESSES.index(service)

    @property
    def processes(self) -> tuple[str, ...]:
        return self.options.services + self.options.gateways

    async def start(self) -> None:
        o = self.options
        started = time.monotonic()
        check_ports_free(o)
        if (o.data_dir / "postgres").exists() or (o.data_dir / "nats").exists():
            say(
                f"data directory {o.data_dir} (existing data: starting from it; "
                "remove the folder or pass --data-dir for a fresh start)"
            )
        else:
            say(f"data directory {o.data_dir} (new)")
        self.passwords = await asyncio.to_thread(prepare_nats_access, o.data_dir, o.registry)
        self.nats = EmbeddedNats(o.data_dir / "nats", o.nats_port, accounts=True).start()
        say(f"NATS JetStream on nats://127.0.0.1:{o.nats_port} (accounts of {o.registry.name})")
        self.issuer = DevIssuer(
            o.data_dir / "issuer", o.issuer_port, registry=Registry.load(o.registry)
        ).start()
        say(f"development token issuer on {self.issuer.issuer} (`cohort token ORG`)")
        self.postgres = await asyncio.to_thread(
            EmbeddedPostgres(o.data_dir / "postgres", o.pg_port).start
        )
        say(f"PostgreSQL on 127.0.0.1:{o.pg_port}")
        self.mail = MailSink(o.data_dir / "mail", o.smtp_port).start()
        say(f"SMTP catcher on 127.0.0.1:{o.smtp_port}, e-mails kept in {o.data_dir / 'mail'}")
        readers = access.subscriber_consumers(access.load(o.registry))  # durable readers
        for change in await provision_streams(self.nats_url, subscribers=readers):
            say(f"  {change}")
        for change in await provision_databases(self.admin_dsn, o.services):
            say(f"  {change}")
        for service in self.processes:
            await self._spawn(service)
        if o.privacy_worker:
            await self.spawn_worker()
        await self.wait_ready()
        self._write_state()
        say(f"all services ready in {time.monotonic() - started:.1f}s")
        for service in self.processes:
            say(f"  {service:<14} http://127.0.0.1:{self.http_port(service)}")

    def _write_state(self) -> None:
        o = self.options
        state = {
            "nats_port": o.nats_port,
            "registry": str(o.registry.resolve()),
            "http": {s: self.http_port(s) for s in self.processes},
        }
        (o.data_dir / STATE).write_text(json.dumps(state, indent=2))

    async def _spawn(self, service: str) -> None:
        assert self.issuer is not None
        if not self._secrets:  # made once per data directory, kept there (mode 0600)
            self._secrets = ensure_secrets(self.options.data_dir / "secrets")
        env = {
            **os.environ,
            "COHORT_NATS_URL": self.user_url(service),
            "COHORT_AUTH_ISSUER": self.issuer.issuer,
            "COHORT_AUTH_JWKS_URL": self.issuer.jwks_url,
            "COHORT_AUTH_AUDIENCE": self.issuer.audience,
            "COHORT_AUTH_REGISTRY": str(self.options.registry.resolve()),
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
            **secret_environment(service, self._secrets),
            # Report subscriptions (notification): the demo registry and reporting's files.
            "COHORT_SUBSCRIPTIONS_REGISTRY": str(self.options.registry),
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

    async def spawn_worker(self) -> None:
        """The erasure worker as a child, like the services (no HTTP port: it only consumes
        `privacy-requests` and redacts the streams once the four services confirmed)."""
        env = {
            **os.environ,
            "COHORT_NATS_URL": self.user_url(WORKER),
            "COHORT_LOG_FORMAT": "console",
            "COHORT_LOG_LEVEL": "warning" if self.options.quiet else "info",
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "cohort_cli.main",
            "privacy",
            "worker",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        self.children[WORKER] = proc
        self._pumps.append(asyncio.ensure_future(self._pump(WORKER, proc)))

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
        pending = set(self.processes)
        ops = {"Authorization": f"Bearer {self.token('ops')}"}  # readiness is for operators
        async with httpx.AsyncClient(timeout=1.0, headers=ops) as client:
            while pending:
                worker = self.children.get(WORKER)
                if worker is not None and worker.returncode is not None:
                    raise RuntimeError(f"the erasure worker exited with code {worker.returncode}")
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
        await ended(proc)

    async def restart_service(self, service: str) -> None:
        if self.children[service].returncode is None:
            await self.kill_service(service)
        if service == WORKER:
            await self.spawn_worker()
        else:
            await self._spawn(service)

    async def restart_nats(self) -> None:
        """Stop NATS and start it again on the same port and store."""
        assert self.nats is not None
        self.nats.stop()
        self.nats = EmbeddedNats(
            self.options.data_dir / "nats", self.options.nats_port, accounts=True
        ).start()

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
                await asyncio.wait_for(ended(proc), 30)
            except TimeoutError:
                say(f"{service} did not stop in 30s; killing it")
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await ended(proc)
        for pump in self._pumps:
            pump.cancel()
        if self.mail is not None:
            self.mail.stop()
        if self.postgres is not None:
            await asyncio.to_thread(self.postgres.stop)
        if self.nats is not None:
            self.nats.stop()
        if self.issuer is not None:
            self.issuer.stop()
        with contextlib.suppress(FileNotFoundError):
            (self.options.data_dir / STATE).unlink()
        say("stopped: services, PostgreSQL, NATS and the token issuer")  # and the erasure worker


def prepare_nats_access(data_dir: Path, registry: Path) -> dict[str, str]:
    """accounts.conf and passwords.env for the embedded NATS, from the registry (passwords
    are kept across runs); returns every user's password."""
    out = data_dir / "nats"
    access.generate(registry, out, cost=6)  # local: a cheap bcrypt cost keeps `up` quick
    env = access.read_env(out / "passwords.env")
    users = access.load(registry)
    names = [u for o in Registry.from_dict(users.model_dump()) for u in o.nats_users] + ["sys"]
    return {u: env[access.env_key(u)] for u in names}


def check_ports_free(options: StackOptions) -> None:
    """Refuse to start half a network: name every taken port and the flag that moves it."""
    taken = [
        f"port {port} ({what}) is already in use; choose another with {flag}"
        for port, what, flag in options.ports()
        if port_in_use(port)
    ]
    if taken:
        raise StartError("; ".join(taken))


def say(text: str) -> None:
    print(f"cohort | {text}", flush=True)


async def ended(proc: asyncio.subprocess.Process) -> int:
    """The exit code once the process has ended.

    Not `proc.wait()`: on Python 3.11 a `wait()` begun before the exit returns only once
    every copy of the child's stdout and stderr is closed, so a grandchild left behind
    (e.g. a worker of a killed pool) would make it wait for ever."""
    while proc.returncode is None:  # noqa: ASYNC110 (no event to wait for but the exit)
        await asyncio.sleep(0.05)
    return proc.returncode
