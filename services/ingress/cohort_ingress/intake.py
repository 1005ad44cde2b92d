"""The intake decision for each event, in request order: validate, publish, report.

Validation is the consumers' own (`REGISTRY.parse`), on the subject the server derives from
`type` and the caller's agency, so every reason is one a dead-letter would carry
(`not_json`, `malformed_envelope`, `unknown_type`, `unsupported_version`, `schema_violation`,
`rule_violation`, `agency_mismatch`; `wrong_subject` for a network event, which no agency
may publish). It is strict: a field the newest contracts do not know is a `schema_violation`
here, although the consumers, tolerant readers, ignore it.
An event counts as stored only once its PubAck came back. After the first transient
failure nothing more is attempted, so a retry of the same batch keeps the array order.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from cohort_contracts import REGISTRY, ContractError, Event
from cohort_contracts.envelope import TYPE_PATTERN
from cohort_contracts.registry import INTAKE_PREFIX

WAITED = "not attempted after an earlier event was not confirmed; resend it (same id)"


class Unavailable(Exception):
    """NATS did not confirm the publish (down, timed out, no JetStream): retry later."""


@dataclass(frozen=True)
class Ack:
    stream_seq: int
    duplicate: bool


Publish = Callable[[str, bytes, str], Awaitable[Ack]]  # subject, body, Nats-Msg-Id


@dataclass(frozen=True)
class Outcome:
    index: int
    id: str | None
    status: str  # accepted | duplicate | rejected | failed | not_attempted
    stream_seq: int | None = None
    reason: str | None = None
    detail: str | None = None

    @property
    def stored(self) -> bool:
        return self.status in ("accepted", "duplicate")

    @property
    def retryable(self) -> bool:
        return self.status in ("failed", "not_attempted")

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"index": self.index, "id": self.id, "status": self.status}
        if self.stream_seq is not None:
            out["stream_seq"] = self.stream_seq
        if self.reason is not None:
            out["error"] = {
                "code": self.reason,
                "detail": self.detail,
                "retryable": self.retryable,
            }
        return out


def intake_subject(body: bytes, agency: str) -> str:
    """`intake.<agency>.<entity>.<verb>` from the event's own `type`; the client never names
    the subject. A body whose type cannot be read gets a placeholder: validation then fails
    with the reason the consumers would give."""
    name = "_"
    try:
        raw = json.loads(body)
        match = TYPE_PATTERN.match(raw.get("type", "")) if isinstance(raw, dict) else None
        if match:
            name = match["name"]
    except (UnicodeDecodeError, ValueError, TypeError):
        pass
    return f"{INTAKE_PREFIX}.{agency}.{name}"


def validate(body: bytes, agency: str) -> tuple[str, Event[Any]]:
    """The subject and the parsed event; raises the `ContractError` a consumer would."""
    subject = intake_subject(body, agency)
    return subject, REGISTRY.parse(body, subject, strict=True)


def _event_id(body: bytes) -> str | None:
    try:
        raw = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return None
    value = raw.get("id") if isinstance(raw, dict) else None
    return value if isinstance(value, str) else None


async def ingest(bodies: list[bytes], agency: str, publish: Publish) -> list[Outcome]:
    """One outcome per body, in order."""
    outcomes: list[Outcome] = []
    failed = False
    for index, body in enumerate(bodies):
        if failed:
            outcomes.append(
                Outcome(index, _event_id(body), "not_attempted", None, "earlier_failure", WAITED)
            )
            continue
        try:
            subject, event = validate(body, agency)
        except ContractError as exc:
            outcomes.append(
                Outcome(index, _event_id(body), "rejected", None, exc.reason, exc.detail)
            )
            continue
        try:
            ack = await publish(subject, body, event.id)
        except Unavailable as exc:
            failed = True
            detail = f"not confirmed by NATS ({exc}); it may or may not be stored: resend it"
            outcomes.append(Outcome(index, event.id, "failed", None, "unavailable", detail))
            continue
        status = "duplicate" if ack.duplicate else "accepted"
        outcomes.append(Outcome(index, event.id, status, ack.stream_seq))
    return outcomes
