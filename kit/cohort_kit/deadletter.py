"""Dead-letters: what can never be applied is parked on `deadletter.<service>` with its reason.

The record keeps the original bytes (base64), headers, subject, stream and sequence, so a
message can be inspected and replayed after a fix. A body over the size limit (reason
`too_large`) is kept only in part, with its length and SHA-256: the whole of it would not
fit in a record, and a record that cannot be stored would keep the original redelivered for
ever; the original stays in its stream at `stream_seq`. It is published and acknowledged by the
server before the original is acknowledged: if it cannot be stored, the original stays.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from cohort_contracts.streams import DEADLETTER, deadletter_subject

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
        await self._publish(deadletter_subject(self._service), body, headers, DEADLETTER.name)
        DEAD_LETTERS.labels(self._service, record["reason"]).inc()
