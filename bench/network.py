"""The whole network as `cohort up` runs it: time to ready and each service's memory."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
from cohort_cli.embedded import free_port
from cohort_cli.stack import Stack, StackOptions


def _base_port() -> int:
    """Five consecutive free ports for the services' HTTP servers."""
    while True:
        base = free_port()
        if base < 60000 and all(_is_free(base + i) for i in range(5)):
            return base


def _is_free(port: int) -> bool:
    import socket

    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


async def start_network(data_dir: Path | None = None) -> tuple[Stack, float]:
    """Start the network; return it and the seconds from `cohort up` to all services ready."""
    options = StackOptions(
        data_dir=data_dir or Path(tempfile.mkdtemp(prefix="cohort-bench-net-")),
        nats_port=free_port(),
        pg_port=free_port(),
        http_port_base=_base_port(),
        quiet=True,
    )
    stack = Stack(options)
    started = time.perf_counter()
    await stack.start()
    return stack, time.perf_counter() - started


def service_rss_mb(stack: Stack) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, proc in stack.children.items():
        try:
            out[name] = round(psutil.Process(proc.pid).memory_info().rss / 2**20, 1)
        except psutil.Error:
            out[name] = float("nan")
    return out


def summary(stack: Stack) -> dict[str, Any]:
    return {"services": list(stack.children), "rss_mb": service_rss_mb(stack)}
