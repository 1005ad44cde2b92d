"""The FastStream broker every service uses, and how a durable consumer is attached.

Acknowledgement is manual and explicit (never FastStream's REJECT_ON_ERROR default): the
`MessageProcessor` acks, naks with a delay, or dead-letters each message itself. Messages
are fetched one at a time and handled in order (no `max_workers`, no concurrent batches),
which keeps the INTAKE order the enrolment rules depend on.
"""

from __future__ import annotations

from typing import Any

from cohort_contracts.streams import ConsumerSpec
from faststream import AckPolicy
from faststream.exceptions import StopConsume
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage
from nats.js.api import PubAck

from .consumer import MessageProcessor
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


async def _raw(msg: Any, original: Any) -> Any:
    """Never let FastStream decode bodies: bad JSON must reach the dead-letter path."""
    return msg.body


def attach(broker: NatsBroker, spec: ConsumerSpec, processor: MessageProcessor) -> Any:
    """Bind a FastStream pull subscriber to the provisioned durable `spec.durable`.

    Returns the subscriber, whose `stop()` ends its fetch loop (graceful shutdown).
    """
    subscriber = broker.subscriber(
        spec.filter_subjects[0],
        stream=JStream(spec.stream, declare=False),
        durable=spec.durable,
        pull_sub=PullSub(batch_size=1, timeout=PULL_TIMEOUT_SECONDS),
        ack_policy=AckPolicy.MANUAL,
        decoder=_raw,
        title=spec.durable,
        description=spec.description,
    )

    async def handle(message: NatsMessage) -> None:
        outcome = await processor.process(message.raw_message)
        if outcome == "handed_back":  # shutting down: this subscriber pulls no more
            raise StopConsume

    subscriber(handle)
    return subscriber
