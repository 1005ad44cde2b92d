"""From an event type to its payload model, subject and stream; parsing with named errors.

`parse_event` is the one door every incoming message goes through. It tells apart the
ways a message can be unusable (see `errors.py`), so dead-letters carry a precise reason.
Readers are tolerant of fields they do not know (a later minor version); the edge parses
with `strict=True` (see `reading.py`).
"""

from __future__ import annotations

import builtins
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from . import errors, limits
from .base import RULE
from .envelope import TYPE_PATTERN, CloudEvent, new_event_id, utcnow
from .reading import read_payload

P = TypeVar("P", bound=BaseModel)
T = TypeVar("T")

INTAKE_PREFIX = "intake"


@dataclass(frozen=True)
class EventSpec:
    """One entry of the catalogue.

    `subject` is the NATS subject for network events; intake events have `subject=None`
    and travel on `intake.<agency>.<entity>.<verb>`. A subject ending in `.>` (reports)
    is a family: the publisher chooses the tail.
    """

    type: str
    model: builtins.type[BaseModel]  # `type` is shadowed by the field above
    stream: str
    subject: str | None = None
    description: str = ""

    @property
    def name(self) -> str:
        return self.type.rsplit(".", 1)[0]

    @property
    def is_intake(self) -> bool:
        return self.subject is None

    def subject_for(self, agency: str, tail: str | None = None) -> str:
        if self.subject is None:
            return f"{INTAKE_PREFIX}.{agency}.{self.name}"
        if self.subject.endswith(".>"):
            if not tail:
                raise ValueError(f"{self.type} needs a subject tail, e.g. country.COM.session")
            return f"{self.subject[:-2]}.{tail}"
        return self.subject

    def accepts_subject(self, subject: str) -> bool:
        if self.subject is None:
            parts = subject.split(".", 2)
            return len(parts) == 3 and parts[0] == INTAKE_PREFIX and parts[2] == self.name
        if self.subject.endswith(".>"):
            return subject.startswith(self.subject[:-1]) and len(subject) > len(self.subject) - 1
        return subject == self.subject


class _OfEnvelope(Generic[T]):
    """An event's attribute that is its envelope's attribute of the same name."""

    def __set_name__(self, owner: builtins.type[Any], name: str) -> None:
        self.name = name

    def __get__(self, event: Event[Any], owner: builtins.type[Any] | None = None) -> T:
        value: T = getattr(event.envelope, self.name)
        return value


@dataclass(frozen=True)
class Event(Generic[P]):
    """A parsed, validated event: its envelope and its typed payload.

    `unknown_fields` names what a tolerant read ignored (`data.organisation.branch`,
    or an envelope attribute such as `traceparent`): empty when the event is exact.
    """

    envelope: CloudEvent
    payload: P
    spec: EventSpec
    unknown_fields: tuple[str, ...] = ()

    # The envelope attributes every reader wants, read through the event.
    id = _OfEnvelope[str]()
    type = _OfEnvelope[str]()
    agency = _OfEnvelope[str]()
    time = _OfEnvelope[datetime]()


class Registry:
    def __init__(self, specs: list[EventSpec]) -> None:
        self._by_type = {spec.type: spec for spec in specs}
        if len(self._by_type) != len(specs):
            raise ValueError("duplicate event type in the catalogue")
        self._names = {spec.name for spec in specs}

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._by_type.values())

    def __len__(self) -> int:
        return len(self._by_type)

    def spec(self, event_type: str) -> EventSpec:
        spec = self._by_type.get(event_type)
        if spec is not None:
            return spec
        match = TYPE_PATTERN.match(event_type)
        if match and match["name"] in self._names:
            known = sorted(t for t in self._by_type if t.startswith(match["name"] + ".v"))
            known_list = ", ".join(known)
            raise errors.UnsupportedVersion(f"{event_type} is not supported; known: {known_list}")
        raise errors.UnknownEventType(f"{event_type!r} is not in the event catalogue")

    def spec_for_model(self, model: type[BaseModel]) -> EventSpec:
        for spec in self._by_type.values():
            if spec.model is model:
                return spec
        raise KeyError(model.__name__)

    def parse(
        self,
        body: bytes | str,
        subject: str,
        *,
        max_bytes: int = limits.MAX_MESSAGE_BYTES,
        max_depth: int = limits.MAX_JSON_DEPTH,
        strict: bool = False,
    ) -> Event[Any]:
        """Validate one message as it arrived on `subject`; raise a `ContractError` if unusable.

        The size and depth bounds are checked before the body is parsed. Whatever else goes
        wrong while parsing is an `Unparseable` contract error too: nothing escapes this door.
        `strict`: a field the contracts do not know is a violation (the edge), instead of
        being ignored and named in `Event.unknown_fields` (every reader in the network).
        """
        try:
            limits.check(body, max_bytes=max_bytes, max_depth=max_depth)
            return self._parse(body, subject, strict)
        except errors.ContractError:
            raise
        except Exception as exc:
            raise errors.Unparseable(f"{type(exc).__name__}: {exc}"[:2000]) from exc

    def _parse(self, body: bytes | str, subject: str, strict: bool) -> Event[Any]:
        envelope, unknown = _decode_envelope(body, strict)
        spec = self.spec(envelope.type)
        if not spec.accepts_subject(subject):
            raise errors.WrongSubject(f"{envelope.type} does not belong on subject {subject!r}")
        if spec.is_intake:
            token = subject.split(".")[1]
            if token != envelope.agency:
                raise errors.AgencyMismatch(
                    f"agency {envelope.agency!r} published on {subject!r} (agency token {token!r})"
                )
        try:
            payload = read_payload(spec.model, envelope.data, strict=strict)
        except ValidationError as exc:
            broken = {err["type"] for err in exc.errors(include_url=False)} == {RULE}
            error = errors.RuleViolation if broken else errors.SchemaViolation
            raise error(_describe(exc, envelope.type)) from None
        unknown += tuple(f"data.{path}" for path in payload.unknown)
        return Event(envelope=envelope, payload=payload.value, spec=spec, unknown_fields=unknown)

    def build(
        self,
        payload: BaseModel,
        *,
        source: str,
        agency: str,
        subject_id: str | None = None,
        time: datetime | None = None,
        correlationid: str | None = None,
        causationid: str | None = None,
        event_id: str | None = None,
    ) -> CloudEvent:
        """Wrap a payload in an envelope (the caller picks the NATS subject via the spec)."""
        spec = self.spec_for_model(type(payload))
        eid = event_id or new_event_id()
        return CloudEvent(
            specversion="1.0",
            id=eid,
            source=source,
            type=spec.type,
            time=time or utcnow(),
            subject=subject_id,
            agency=agency,
            correlationid=correlationid or causationid or eid,
            causationid=causationid,
            data=payload.model_dump(mode="json"),
        )


def encode(event: CloudEvent) -> bytes:
    """The wire form of an envelope: compact UTF-8 JSON."""
    return event.model_dump_json(exclude_none=True).encode()


def _decode_envelope(body: bytes | str, strict: bool) -> tuple[CloudEvent, tuple[str, ...]]:
    try:
        raw = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise errors.NotJson(f"body is not UTF-8 JSON ({exc})") from None
    if not isinstance(raw, dict):
        raise errors.MalformedEnvelope(f"body is JSON {type(raw).__name__}, not an object")
    try:
        envelope = read_payload(CloudEvent, raw, strict=strict)
    except ValidationError as exc:
        raise errors.MalformedEnvelope(_describe(exc, "envelope")) from None
    return envelope.value, envelope.unknown


def _describe(exc: ValidationError, what: str) -> str:
    problems = [
        f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"
        for err in exc.errors(include_url=False)[:10]
    ]
    more = exc.error_count() - len(problems)
    suffix = f" (and {more} more)" if more > 0 else ""
    return f"{what}: " + "; ".join(problems) + suffix
