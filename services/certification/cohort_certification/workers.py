"""CPU-bound work off the event loop: signing credentials and rendering PDFs.

A process pool sized to the CPU count (`COHORT_SIGNING_PROCESSES`), built once with the
dependencies; its processes start on first use, so an idle service has none. A worker that
dies (killed, out of memory) breaks the whole pool: the next call replaces it, and the call
that saw it break raises `WorkerLost`, which the kit retries like any handler failure (up
to `handler_failure_limit`, then `handler_error`), so the message is applied again, not
lost. `processes=0` runs the work in the service process instead: PDFs in a thread, and
signing (`run_short`, ~1 ms since a credential is canonicalised by shape) on the event loop
itself, which on 2 shared cores beats a hop to a thread or a process (docs/performance.md).
"""

from __future__ import annotations

import asyncio
import ctypes
import functools
import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

import structlog

log = structlog.get_logger("cohort.certification.workers")
T = TypeVar("T")


class WorkerLost(RuntimeError):
    """A worker process died while (or before) doing this call; the pool is replaced."""


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with(parent: int) -> None:
    """End this worker when the service process ends, however it ends.

    A SIGKILLed service gives its pool no chance to shut down: without this its workers
    live on as orphans, keep the service's stdout and stderr open, and whoever waits for
    those pipes to close (a supervisor, `cohort up`, asyncio's `Process.wait`) waits for
    ever. Linux only; elsewhere the workers end when they next read their closed queue."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the service died before the line above
        os._exit(1)


def _warm(parent: int) -> None:
    """Each worker ties its life to the service's, then imports the canonicaliser (and its
    pinned contexts) before its first job."""
    _die_with(parent)
    from .credentials import signing  # noqa: F401


def render_pdf(*args: Any, **kwargs: Any) -> bytes:
    """`pdf.render`, imported in the worker: fpdf and its fonts (~50 MB) stay out of the
    service process."""
    from .pdf import render

    return render(*args, **kwargs)


class Workers:
    def __init__(self, processes: int) -> None:
        self.processes = processes
        self.replaced = 0  # pools replaced after a worker died
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn, not fork: the service process runs threads (asyncio's, asyncpg's)
            # that a forked child would inherit in whatever state they were.
            self._pool = ProcessPoolExecutor(
                self.processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_warm,
                initargs=(os.getpid(),),
            )
        return self._pool

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`fn(*args, **kwargs)` in a worker (arguments and result are pickled)."""
        call = functools.partial(fn, *args, **kwargs)
        if self.processes == 0:
            return await asyncio.to_thread(call)
        pool = self._executor()
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, call)
        except BrokenProcessPool as exc:
            self._replace(pool)
            raise WorkerLost(f"a worker process died; the pool was replaced: {exc}") from exc

    async def run_short(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Like `run`, but without a pool the call runs right here, on the event loop: for
        work of about a millisecond, where a thread's GIL hand-over costs more than it saves."""
        if self.processes == 0:
            return fn(*args, **kwargs)
        return await self.run(fn, *args, **kwargs)

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        if self._pool is broken:  # only the first call that sees it breaks replaces it
            self._pool = None
            self.replaced += 1
            broken.shutdown(wait=False, cancel_futures=True)
            log.warning("worker process died; pool replaced", processes=self.processes)

    def pids(self) -> list[int]:
        """The live worker processes (for operations and tests)."""
        pool = self._pool
        return [] if pool is None else [p.pid for p in pool._processes.values() if p.pid]

    def close(self, grace: float = 5.0) -> None:
        """End the pool: queued work is dropped (its messages are not acked and come back),
        a job under way gets `grace` seconds, then its worker is killed, so a stop never
        waits on a slow or stuck worker (one starting up on a busy machine takes seconds)."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        procs = list(pool._processes.values())
        pool.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + grace
        for proc in procs:
            proc.join(max(deadline - time.monotonic(), 0))
            if proc.is_alive():
                log.warning("worker process did not end; killing it", pid=proc.pid)
                proc.kill()
                proc.join(1.0)


def processes(configured: int | None) -> int:
    """The configured count, or one per CPU this process may run on."""
    return len(os.sched_getaffinity(0)) if configured is None else configured


async def lifetime(runtime: Any) -> None:
    """A background job of the runtime: when the runtime stops, the pool's processes end."""
    try:
        await asyncio.Event().wait()
    finally:
        runtime.deps.workers.close()
