"""Running a process until it is told to stop: the signals and the HTTP server.

Shared by every service (`service.serve`) and the ingress, so both stop the same way:
SIGTERM or SIGINT sets one event, and uvicorn, which would install its own handlers, is
told not to.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Any

import uvicorn


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGTERM or SIGINT (on the running loop)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    return stop


def start_http(app: Any, host: str, port: int) -> tuple[uvicorn.Server, asyncio.Future[Any]]:
    """Serve `app` on host:port in the background; `server.should_exit = True` ends it."""
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    # Our loop handlers own SIGTERM/SIGINT: uvicorn must not replace them.
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]
    return server, asyncio.ensure_future(server.serve())
