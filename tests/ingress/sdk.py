"""Requests built the way an agency's system would: with the `cloudevents` SDK."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from cloudevents.core.bindings.http import HTTPMessage, to_binary_event, to_structured_event
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

BATCH = "application/cloudevents-batch+json"


def sdk_event(event: dict[str, Any]) -> CloudEvent:
    attributes = {k: v for k, v in event.items() if k != "data" and v is not None}
    attributes["time"] = datetime.fromisoformat(attributes["time"])
    return CloudEvent(attributes=attributes, data=event["data"])


def structured(event: dict[str, Any]) -> HTTPMessage:
    return to_structured_event(sdk_event(event))


def binary(event: dict[str, Any]) -> HTTPMessage:
    return to_binary_event(sdk_event(event))


def batch(events: list[dict[str, Any]]) -> HTTPMessage:
    """No batch support in the SDK (2.2): an array of its JSON format, as the spec defines."""
    fmt = JSONFormat()
    items = [json.loads(fmt.write(sdk_event(e))) for e in events]
    return HTTPMessage(headers={"content-type": BATCH}, body=json.dumps(items).encode())
