"""What the network rejected later, for the agency whose intake it was (and no other)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from cohort_kit.deadletter import Parked, read_parked
from nats.js import JetStreamContext


def view(parked: Parked) -> dict[str, Any]:
    record = parked.record
    text = record.get("body_text")
    event: Any = None
    if text is not None:
        try:
            event = json.loads(text)
        except ValueError:
            event = text
    return {
        "deadletter_seq": parked.seq,
        "service": record.get("service"),
        "reason": record.get("reason"),
        "detail": record.get("detail"),
        "dead_lettered_at": record.get("dead_lettered_at"),
        "subject": record.get("subject"),
        "stream_seq": record.get("stream_seq"),
        "event": event,
        "body_base64": None if text is not None else record.get("body_base64"),
    }


async def rejections_of(
    js: JetStreamContext, agency: str, since: datetime | None, limit: int
) -> list[dict[str, Any]]:
    """The dead-letters of `agency`'s own intake, oldest first."""
    parked = await read_parked(js, since=since)
    return [view(p) for p in parked if p.agency == agency][:limit]
