"""Steps of a shutdown that cannot hold the process.

`asyncio.wait_for` is not enough for that: on its timeout it cancels the step and then
waits for the cancellation to finish, so a step that is stuck where a cancellation does
not reach (or that swallows it) keeps the caller waiting for ever. `within` waits a
bounded time for the step, then for its cancellation, and then walks away, logging where
the step was stuck so the cause can be found.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable
from typing import Any

import structlog

log = structlog.get_logger(__name__)
CANCEL_GRACE_SECONDS = 1.0


def where(task: asyncio.Future[Any]) -> str:
    """The stack a task is waiting in, as text (for the log line of a stuck step)."""
    if not isinstance(task, asyncio.Task):
        return ""
    out = io.StringIO()
    task.print_stack(limit=20, file=out)
    return out.getvalue()


async def within(seconds: float, step: str, awaitable: Awaitable[Any]) -> bool:
    """Run one shutdown step for at most `seconds` (plus a short grace to cancel it).

    True when it ended in time (whatever its outcome: a shutdown goes on after a failed
    step); False when it overran and was cancelled or, if even that hung, abandoned.
    """
    task = asyncio.ensure_future(awaitable)
    done, _ = await asyncio.wait({task}, timeout=seconds)
    if not done:
        log.warning("shutdown step overran; cancelling it", step=step, stack=where(task))
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=CANCEL_GRACE_SECONDS)
        if not done:
            log.error("shutdown step ignores cancellation; abandoning it", step=step)
        return False
    if not task.cancelled() and (exc := task.exception()) is not None:
        log.warning("shutdown step failed", step=step, error=repr(exc))
    return True
