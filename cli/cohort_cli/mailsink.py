"""A local SMTP server for `cohort up`: accepts every e-mail and keeps it as a .eml file.

So the demo shows real SMTP deliveries without an outside mail server; look at the files
in `<data-dir>/mail/` (or open them in any mail client).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class _Keep:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0
        # (wall-clock time, recipients) of every accepted message, for benchmarks.
        self.arrivals: list[tuple[float, list[str]]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        self.arrivals.append((time.time(), list(envelope.rcpt_tos)))
        name = f"{self.count:06d}.eml"
        (self.folder / name).write_bytes(envelope.original_content or envelope.content)
        return "250 kept"


class MailSink:
    def __init__(self, folder: Path, port: int) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.port = port
        self._handler = _Keep(folder)
        self._controller = Controller(self._handler, hostname="127.0.0.1", port=port)

    def start(self) -> MailSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    @property
    def arrivals(self) -> list[tuple[float, list[str]]]:
        return self._handler.arrivals

    @property
    def received(self) -> int:
        return self._handler.count
