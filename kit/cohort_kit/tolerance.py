"""Fields a tolerant reader ignored: counted per event type, each named once in the log.

A rolling upgrade sends events of a later minor version to services still running the
earlier contracts; they are applied without the fields these contracts do not know yet
(`cohort_contracts.reading`). The counter shows how much is being ignored, and where.
"""

from __future__ import annotations

from typing import Any

import structlog
from cohort_contracts import Event

from .metrics import UNKNOWN_FIELDS

log = structlog.get_logger(__name__)

# Field names come from senders: remember a bounded number, so hostile names cannot grow it.
_SEEN_LIMIT = 1000
_seen: set[tuple[str, str, str]] = set()


def note_unknown_fields(service: str, event: Event[Any]) -> None:
    """Count the fields `event` carried that the contracts do not know; log each once."""
    if not event.unknown_fields:
        return
    UNKNOWN_FIELDS.labels(service, event.type).inc(len(event.unknown_fields))
    new = [f for f in event.unknown_fields if (service, event.type, f) not in _seen]
    if new and len(_seen) < _SEEN_LIMIT:
        _seen.update((service, event.type, f) for f in new)
        log.debug("unknown fields ignored", type=event.type, fields=new)
