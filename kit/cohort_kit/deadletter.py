"""Dead-letters: what can never be applied is parked on `deadletter.<service>` with its reason
(`deadletter.<service>.<agency>` when it was that agency's intake, so the agency reads its own
through its own durable consumer: docs/decisions/0005-agency-feedback-over-nats.md).

The record keeps the original bytes (base64), headers, subject, stream and sequence, so a
message can be inspected and replayed after a fix. A body over the size limit (reason
`too_large`) is kept only in part, with its length and SHA-256: the whole of it would not
fit in a record, and a record that cannot be stored would keep the original redelivered for
ever; the original stays in its stream at `stream_seq`. It is published and acknowledged by the
server before the original is acknowledged: if it cannot be stored, the original stays.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cohort_contracts.streams import DEADLETTER, DEADLETTER_RECORDS, deadletter_subject
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from .metrics import DEAD_LETTERS

KEPT_OF_A_LARGE_BODY = 65536

Publish = Callable[[str, bytes, dict[str, str], str], Awaitable[Any]]


def deadletter_record(
    *,
    service: str,
    consumer: str,
    reason: str,
    detail: str,
    subject: str,
    body: bytes,
    headers: dict[str, str] | None,
    stream: str | None,
    stream_seq: int | None,
    deliveries: int | None,
    max_body_bytes: int | None = None,
) -> dict[str, Any]:
    size, digest = len(body), hashlib.sha256(body).hexdigest()
    truncated = max_body_bytes is not None and size > max_body_bytes
    if truncated:
        body = body[:KEPT_OF_A_LARGE_BODY]
    try:
        text: str | None = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    return {
        "service": service,
        "consumer": consumer,
        "reason": reason,
        "detail": detail[:4000],
        "subject": subject,
        "stream": stream,
        "stream_seq": stream_seq,
        "deliveries": deliveries,
        "headers": headers or {},
        "body_base64": base64.b64encode(body).decode("ascii"),
        "body_bytes": size,
        "body_sha256": digest,
        "body_truncated": truncated,
        "body_text": text if text is not None and len(text) <= 65536 else None,
        "dead_lettered_at": datetime.now(UTC).isoformat(),
    }


class DeadLetters:
    def __init__(self, service: str, publish: Publish) -> None:
        self._service = service
        self._publish = publish

    async def park(self, record: dict[str, Any]) -> None:
        # One id per (consumer, stream position): parking twice after a crash stores it once.
        msg_id = f"dl:{record['consumer']}:{record['stream']}:{record['stream_seq']}"
        if record["stream_seq"] is None:
            msg_id = (
                "dl:"
                + record["consumer"]
                + ":"
                + hashlib.sha256(record["body_base64"].encode()).hexdigest()
            )
        headers = {"Nats-Msg-Id": msg_id, "Cohort-Reason": record["reason"]}
        body = json.dumps(record, ensure_ascii=False).encode()
        subject = deadletter_subject(self._service, record["subject"])
        await self._publish(subject, body, headers, DEADLETTER.name)
        DEAD_LETTERS.labels(self._service, record["reason"]).inc()


@dataclass(frozen=True)
class Parked:
    """One dead-letter record as stored, with its DEADLETTER sequence."""

    seq: int
    subject: str
    record: dict[str, Any]

    @property
    def agency(self) -> str | None:
        """The agency whose intake it was: the `<agency>` token of the original subject (set
        by the server or the agency's account, never by the body)."""
        parts = str(self.record.get("subject", "")).split(".")
        return parts[1] if len(parts) >= 3 and parts[0] == "intake" else None


async def read_parked(
    js: JetStreamContext,
    *,
    since: datetime | None = None,
    subject: str | None = None,
    limit: int | None = None,
) -> list[Parked]:
    """Records on DEADLETTER (from `since`), oldest first, through a short-lived ephemeral
    consumer: reading needs no durable state and works from any replica. Every record by
    default (`deadletter.<service>` and `deadletter.<service>.<agency>`), or `subject`."""
    config = ConsumerConfig(
        filter_subjects=None if subject else list(DEADLETTER_RECORDS),
        deliver_policy=DeliverPolicy.BY_START_TIME if since else DeliverPolicy.ALL,
        opt_start_time=since,
        ack_policy=AckPolicy.NONE,
        inactive_threshold=30.0,
        mem_storage=True,
    )
    sub = await js.pull_subscribe(
        subject or DEADLETTER_RECORDS[0], stream=DEADLETTER.name, config=config
    )
    found: list[Parked] = []
    try:
        pending = (await sub.consumer_info()).num_pending or 0
        while pending > 0 and (limit is None or len(found) < limit):
            for msg in await sub.fetch(min(pending, 256), timeout=5):
                pending = msg.metadata.num_pending or 0
                if since is not None and msg.metadata.timestamp < since:
                    continue  # the start time only narrows the scan; this is the rule
                with contextlib.suppress(ValueError):
                    record = json.loads(msg.data)
                    found.append(Parked(msg.metadata.sequence.stream, msg.subject, record))
    finally:
        with contextlib.suppress(Exception):
            await sub.unsubscribe()
    return found[:limit] if limit is not None else found
