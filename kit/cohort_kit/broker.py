"""The FastStream broker every service uses, and how a durable consumer is attached.

Acknowledgement is manual and explicit (never FastStream's REJECT_ON_ERROR default): the
`MessageProcessor` acks, naks with a delay, or dead-letters each message itself. Messages
are fetched in batches that grow with the backlog and applied in order, one batch at a time
(`pulling`, docs/decisions/0006), which keeps the INTAKE order the enrolment rules depend on.
"""

from __future__ import annotations

from typing import Any

from cohort_contracts.streams import ConsumerSpec
from faststream.nats import NatsBroker
from nats.js.api import PubAck

from .consumer import MessageProcessor
from .pulling import Puller
from .tracing import continued, middleware

# A pull waits this long for a message when none is there (it returns at once when one is).
# Short, because a shutdown lets the pull in progress finish instead of cancelling it.
PULL_TIMEOUT_SECONDS = 1.0


def make_broker(nats_url: str, name: str) -> NatsBroker:
    return NatsBroker(
        [u.strip() for u in nats_url.split(",")],
        name=name,
        max_reconnect_attempts=-1,
        reconnect_time_wait=1,
        connect_timeout=5,
        # At shutdown the connection drains its subscriptions; one left open must not hold
        # the process for nats-py's default 30 s (the time `cohort up` waits before killing).
        drain_timeout=5,
        logger=None,
        middlewares=(middleware(),),
    )


def jetstream_publisher(broker: NatsBroker, timeout: float = 10.0) -> Any:
    """A publish function with PubAck: JetStream publish with `stream=` and `Nats-Msg-Id`."""

    async def publish(subject: str, body: bytes, headers: dict[str, str], stream: str) -> PubAck:
        with continued(headers):  # the trace of the handler that emitted it (outbox)
            ack = await broker.publish(
                body,
                subject,
                headers={**headers, "content-type": "application/cloudevents+json"},
                stream=stream,
                timeout=timeout,
            )
        return ack  # type: ignore[no-any-return]

    return publish


def attach(
    broker: NatsBroker, spec: ConsumerSpec, processor: MessageProcessor, *, max_batch: int = 1
) -> Puller:
    """A fetch loop on the provisioned durable `spec.durable`, started by `Puller.start()`
    once the broker is connected. Batches grow with the backlog (see `pulling`); `stop()`
    ends the loop after the batch in hand (graceful shutdown)."""
    return Puller(
        broker.connection, spec, processor, max_batch=max_batch, timeout=PULL_TIMEOUT_SECONDS
    )
