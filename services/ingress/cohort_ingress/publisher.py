"""Publishing to INTAKE with `Nats-Msg-Id` and waiting for the PubAck (nats-py JetStream)."""

from __future__ import annotations

from nats.aio.client import Client as NATS
from nats.js.errors import APIError

from .intake import Ack, Unavailable

CLOUDEVENTS_JSON = "application/cloudevents+json"


class IntakePublisher:
    """`publish(subject, body, msg_id)` for `intake.ingest`; every failure is `Unavailable`:
    without a PubAck the event is not known to be stored, so the client must resend it."""

    def __init__(self, nc: NATS, timeout: float) -> None:
        self._nc = nc
        self._js = nc.jetstream()
        self._timeout = timeout

    async def __call__(self, subject: str, body: bytes, msg_id: str) -> Ack:
        if not self._nc.is_connected:
            raise Unavailable("not connected to NATS")
        try:
            ack = await self._js.publish(
                subject,
                body,
                timeout=self._timeout,
                stream="INTAKE",
                headers={"Nats-Msg-Id": msg_id, "content-type": CLOUDEVENTS_JSON},
            )
        except APIError as exc:
            raise Unavailable(f"JetStream refused: {exc.description or exc}") from None
        except Exception as exc:  # timeouts, no responders, connection closed or draining
            raise Unavailable(type(exc).__name__) from None
        return Ack(stream_seq=ack.seq, duplicate=bool(ack.duplicate))
