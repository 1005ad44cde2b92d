"""Reading a model from JSON data: tolerant inside the network, strict at the edge.

Services are upgraded one at a time, so a reader still running today's contracts receives
events written against a later minor version, which may carry optional fields it does not
know. `read_payload(model, data, strict=False)` ignores such fields and names them, so the
caller can count them; every other rule still applies, and values keep pydantic's lax
forms (`"30"` for 30), as before. The edge (`cohort publish`, the ingress) reads with
`strict=True`: what agencies send must match the newest contracts exactly as the exported
JSON Schemas say: no unknown field (`additionalProperties: false`), JSON types as declared
(no `"30"` for an integer, no `0` for a boolean), times in RFC 3339.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)

UNKNOWN_FIELD = "extra_forbidden"
STRICT_CONTEXT = {"strict": True}  # seen by value rules that only the edge applies


@dataclass(frozen=True)
class Reading(Generic[M]):
    """A validated model and the fields of the data it did not know (dotted paths)."""

    value: M
    unknown: tuple[str, ...] = ()


def read_payload(model: type[M], data: Any, *, strict: bool) -> Reading[M]:
    """Validate decoded JSON `data` as `model`; raise `ValidationError` if it breaks a rule.

    Strict: a field the model does not know is an error, and so is a value of another JSON
    type (pydantic's strict JSON mode). Tolerant: an unknown field is left out of the value
    and named in `unknown`. A message without unknown fields is validated once.
    """
    if strict:
        text = json.dumps(_integral(data))
        return Reading(model.model_validate_json(text, strict=True, context=STRICT_CONTEXT))
    try:
        return Reading(model.model_validate(data))
    except ValidationError as exc:
        unknown = () if strict else unknown_fields(exc, data)
        if not unknown:
            raise
    # Only now ignore what is unknown: any other error is still raised, without the noise.
    return Reading(model.model_validate(data, extra="ignore"), unknown)


def unknown_fields(exc: ValidationError, data: Any) -> tuple[str, ...]:
    """The dotted paths (`organisation.branch`, `modules.0.level`) of the unknown fields."""
    errors = exc.errors(include_url=False)
    return tuple(sorted({_path(e["loc"], data) for e in errors if e["type"] == UNKNOWN_FIELD}))


def _path(loc: tuple[int | str, ...], data: Any) -> str:
    """The location as keys of the data: union members' tags in `loc` are not keys."""
    parts: list[str] = []
    node = data
    for step in loc:
        if isinstance(node, dict) and step in node:
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
        else:
            continue
        parts.append(str(step))
    return ".".join(parts)


def _integral(node: Any) -> Any:
    """JSON Schema counts `5.0` as an integer; pydantic's strict mode would not."""
    if isinstance(node, float) and node.is_integer():
        return int(node)
    if isinstance(node, dict):
        return {key: _integral(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_integral(value) for value in node]
    return node
