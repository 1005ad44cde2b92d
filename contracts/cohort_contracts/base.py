"""The base classes of every contract model, one per kind; the configuration lives here once.

- `Payload`: the `data` of one event type of the catalogue.
- `Part`: a value nested inside a payload (an organisation, a module, a figure group...).
- `Record`: a message on a stream that is not a CloudEvent (a dead-letter, a redaction).

All are frozen and closed (`extra="forbid"`): the exported JSON Schemas say
`additionalProperties: false`, and that is what the edge (`cohort publish`, the ingress)
enforces. Readers inside the network are tolerant of fields they do not know yet (a later
minor version of a contract): they validate through `cohort_contracts.reading`, which ignores
and reports such fields instead of rejecting the event.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict
from pydantic_core import PydanticCustomError

CLOSED = ConfigDict(frozen=True, extra="forbid")
RULE = "rule_violation"


def broken_rule(message: str) -> PydanticCustomError:
    """Raise it from a model validator: a rule between fields, beyond the JSON Schema (the
    event is dead-lettered `rule_violation`, never `schema_violation`)."""
    return PydanticCustomError(RULE, message)


def ensure_in_order(start: date | None, end: date | None, message: str) -> None:
    """The rule of every range of days: its end, when both ends are given, is not before
    its start (`message` names the two fields)."""
    if start is not None and end is not None and end < start:
        raise broken_rule(message)


class Payload(BaseModel):
    """The payload (`data`) of an event type."""

    model_config = CLOSED


class Part(BaseModel):
    """A value nested inside a payload."""

    model_config = CLOSED


class Record(BaseModel):
    """A message on a stream that is not a CloudEvent."""

    model_config = CLOSED
