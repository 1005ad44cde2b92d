"""The fetch loop of a durable pull consumer: batches that grow with the backlog.

nats-py's `fetch(n)` returns as soon as at least one message is there (nats-io/nats.py#418)
but leaves its pull request open on the server for the rest of `n`: messages that arrive
meanwhile land in the subscription's queue, assigned to this process. So the loop asks for
exactly what it knows is waiting: `num_pending` of the last message received (capped at
`max_batch`), and for one message, long-polling, when nothing is known to wait. Under light
load every batch is one message and latency is what it was; under a backlog batches are
`max_batch` long. Shutdown: the loop ends after the fetch and batch in hand (`stop`);
a batch fetched while draining is handed back by the processor.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import structlog
from cohort_contracts.streams import ConsumerSpec
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from opentelemetry import trace

from .tracing import continued

if TYPE_CHECKING:
    from .consumer import MessageProcessor

log = structlog.get_logger(__name__)
_tracer = trace.get_tracer("cohort_kit.consumer")


@contextlib.contextmanager
def consume_span(msg: Msg) -> Iterator[None]:
    """The consumer span of one message, in the trace its publisher started (if any)."""
    with (
        continued(msg.headers or {}),
        _tracer.start_as_current_span(f"{msg.subject} process", kind=trace.SpanKind.CONSUMER),
    ):
        yield


def next_batch_size(last: list[Msg], max_batch: int) -> int:
    """How many to ask for next: what the server said was still waiting, at most `max_batch`."""
    if not last:
        return 1
    try:
        waiting = int(last[-1].metadata.num_pending)
    except Exception:
        return 1
    return max(1, min(waiting, max_batch))


class Puller:
    """Fetches batches for one durable consumer and hands them to its processor, in order."""

    def __init__(
        self,
        connection: Any,
        spec: ConsumerSpec,
        processor: MessageProcessor,
        *,
        max_batch: int,
        timeout: float,
    ) -> None:
        self._connection = connection
        self.spec = spec
        self.processor = processor
        self.max_batch = max(1, max_batch)
        self.timeout = timeout
        self.tasks: list[asyncio.Task[None]] = []
        self._running = False
        self._sub: Any = None

    async def start(self) -> None:
        js = self._connection.jetstream()
        self._sub = await js.pull_subscribe_bind(self.spec.durable, self.spec.stream)
        self._running = True
        self.tasks.append(asyncio.create_task(self._loop(), name=f"pull {self.spec.durable}"))

    async def _loop(self) -> None:
        last: list[Msg] = []
        while self._running and not self.processor.draining:
            size = next_batch_size(last, self.max_batch)
            try:
                last = await self._sub.fetch(size, timeout=self.timeout)
            except (NatsTimeout, TimeoutError):
                last = []
                continue
            except Exception as exc:  # reconnecting, server restarting: try again shortly
                log.warning("fetch failed", consumer=self.spec.durable, error=repr(exc))
                last = []
                await asyncio.sleep(min(self.timeout, 1.0))
                continue
            try:
                outcomes = await self.processor.process_batch(last)
            except Exception as exc:  # never end the loop: unsettled messages are redelivered
                log.error("batch failed", consumer=self.spec.durable, error=repr(exc))
                continue
            if "handed_back" in outcomes:
                break

    async def stop(self) -> None:
        self._running = False
        if self.tasks:
            await asyncio.wait(self.tasks, timeout=self.timeout + 1)
        for task in self.tasks:
            task.cancel()
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()
