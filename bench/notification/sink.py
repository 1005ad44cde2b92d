"""The SMTP sink in its own process: `cohort_cli.mailsink.MailSink`, arrivals sent back."""

from __future__ import annotations

import multiprocessing as mp
import queue
from pathlib import Path
from typing import Any

from cohort_cli.embedded import free_port
from cohort_cli.mailsink import MailSink


class SinkProcess:
    """`MailSink` in its own process (as an SMTP server is), its arrivals sent back here.

    In this process, aiosmtpd's thread would compete with the service for the GIL.
    """

    def __init__(self, folder: Path) -> None:
        ctx = mp.get_context("spawn")
        self.port = free_port()
        self._queue: Any = ctx.Queue()
        self._stop = ctx.Event()
        self._proc = ctx.Process(
            target=_sink_main, args=(folder, self.port, self._queue, self._stop), daemon=True
        )
        self.arrivals: list[tuple[float, list[str]]] = []

    def start(self) -> SinkProcess:
        self._proc.start()
        ready = self._queue.get(timeout=30)
        assert ready == "ready", ready
        return self

    def poll(self) -> int:
        while True:
            try:
                self.arrivals.extend(self._queue.get_nowait())
            except queue.Empty:
                return len(self.arrivals)

    @property
    def received(self) -> int:
        return self.poll()

    def stop(self) -> None:
        self._stop.set()
        self._proc.join(timeout=10)
        self.poll()


def _sink_main(folder: Path, port: int, out: Any, stop: Any) -> None:
    sink = MailSink(folder, port).start()
    out.put("ready")
    sent = 0
    while not stop.wait(0.005):
        n = len(sink.arrivals)
        if n > sent:
            out.put(sink.arrivals[sent:n])
            sent = n
    sink.stop()
