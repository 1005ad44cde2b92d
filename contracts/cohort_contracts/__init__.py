"""Cohort's agreed interface: the CloudEvents envelope, the event catalogue and its payloads.

from cohort_contracts import REGISTRY, parse_event
event = parse_event(body, subject)   # raises a ContractError subclass if unusable
"""

from __future__ import annotations

from typing import Any

from .catalogue import REGISTRY
from .envelope import CloudEvent, new_event_id
from .errors import (
    AgencyMismatch,
    ContractError,
    MalformedEnvelope,
    NotJson,
    RuleViolation,
    SchemaViolation,
    TooDeep,
    TooLarge,
    UnknownEventType,
    Unparseable,
    UnsupportedVersion,
    WrongSubject,
)
from .registry import Event, EventSpec, Registry, encode


def parse_event(body: bytes | str, subject: str) -> Event[Any]:
    """Validate one message as it arrived on `subject` (see `Registry.parse`)."""
    return REGISTRY.parse(body, subject)


__all__ = [
    "REGISTRY",
    "AgencyMismatch",
    "CloudEvent",
    "ContractError",
    "Event",
    "EventSpec",
    "MalformedEnvelope",
    "NotJson",
    "Registry",
    "RuleViolation",
    "SchemaViolation",
    "TooDeep",
    "TooLarge",
    "UnknownEventType",
    "Unparseable",
    "UnsupportedVersion",
    "WrongSubject",
    "encode",
    "new_event_id",
    "parse_event",
]
