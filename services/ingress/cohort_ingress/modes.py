"""CloudEvents HTTP content modes: from one request to the list of event bodies it carries.

The mode is chosen by `Content-Type` as the HTTP binding says (§3): structured
(`application/cloudevents+json`), batched (`application/cloudevents-batch+json`), else binary
when `ce-` headers are present. Binary mode is decoded by the `cloudevents` SDK (its header
percent-decoding) into the same structured JSON the consumers read, so every mode goes through
one validation. Anything else is 415; bodies over the limits are 413.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cloudevents.core.bindings.http import HTTPMessage, from_binary
from cloudevents.core.formats.json import JSONFormat

from .limits import Limits
from .problems import Problem

STRUCTURED = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"
JSON = "application/json"


@dataclass(frozen=True)
class Carried:
    """The events of one request, each as the JSON bytes that will be stored."""

    batch: bool
    bodies: list[bytes]


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def split(headers: dict[str, str], body: bytes, limits: Limits) -> Carried:
    """The events a request carries; raises `Problem` (400, 413, 415) for the whole request."""
    if len(body) > limits.max_request_bytes:
        raise Problem(
            413, f"request body over {limits.max_request_bytes} bytes", reason="too_large"
        )
    mode = media_type(headers.get("content-type"))
    if mode == STRUCTURED:
        _check_event_size(body, limits)
        return Carried(batch=False, bodies=[body])
    if mode == BATCH:
        return Carried(batch=True, bodies=_batch(body, limits))
    if any(name.startswith("ce-") for name in headers):
        if mode != JSON:
            raise Problem(415, f"binary mode carries application/json data, not {mode!r}")
        event = _binary(headers, body)
        _check_event_size(event, limits)
        return Carried(batch=False, bodies=[event])
    raise Problem(
        415,
        f"unsupported content type {mode or '(none)'!r}: send {STRUCTURED}, {BATCH}, "
        f"or binary mode ({JSON} with ce- headers)",
    )


def _check_event_size(body: bytes, limits: Limits) -> None:
    if len(body) > limits.max_event_bytes:
        raise Problem(413, f"an event is over {limits.max_event_bytes} bytes", reason="too_large")


def _batch(body: bytes, limits: Limits) -> list[bytes]:
    try:
        items = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise Problem(400, f"the batch is not UTF-8 JSON ({exc})", reason="not_json") from None
    if not isinstance(items, list):
        raise Problem(
            400, f"a batch is a JSON array, not {type(items).__name__}", reason="not_a_batch"
        )
    if len(items) > limits.max_batch_events:
        raise Problem(
            413, f"{len(items)} events; at most {limits.max_batch_events}", reason="too_many"
        )
    bodies = [
        json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode() for item in items
    ]
    for event in bodies:
        _check_event_size(event, limits)
    return bodies


def _binary(headers: dict[str, str], body: bytes) -> bytes:
    """Binary mode to the structured JSON of the same event (attributes + `data`)."""
    try:
        data = json.loads(body) if body else None
    except (UnicodeDecodeError, ValueError):
        # Not JSON: store the bytes as they are, so validation names it `not_json`.
        return body
    try:
        attributes = _attributes(headers)
    except ValueError as exc:
        raise Problem(400, f"bad ce- header: {exc}", reason="malformed_envelope") from None
    attributes["datacontenttype"] = JSON
    event: dict[str, Any] = {
        key: value.isoformat() if isinstance(value, datetime) else value
        for key, value in attributes.items()
    }
    event["data"] = data
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()


def _attributes(headers: dict[str, str]) -> dict[str, Any]:
    """The `ce-` attributes as the SDK decodes them, kept as they are: its event factory is
    replaced by one that builds nothing, as Cohort's own envelope validates them afterwards,
    with the same reasons as every other door."""
    found: dict[str, Any] = {}

    def keep(attributes: dict[str, Any], data: Any) -> Any:
        found.update(attributes)
        return None

    from_binary(HTTPMessage(headers=headers, body=b""), JSONFormat(), keep)
    return found
