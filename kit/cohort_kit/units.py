"""A unit of work: one event applied in one transaction, with the events it causes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
from cohort_contracts import REGISTRY, Event
from pydantic import BaseModel

from .outbox import derived_event_id, enqueue

Handler = Callable[["Unit"], Awaitable[None]]


@dataclass
class Unit:
    """What a handler gets: the connection (in a transaction), the event, and `emit`.

    `final` is True when the retry window of an event that was not applicable has ended:
    the handler must now decide for good instead of raising `NotYetApplicable` again.
    """

    con: asyncpg.Connection
    event: Event[Any]
    service: str
    final: bool = False
    attempt: int = 1
    stream_seq: int | None = None  # the event's sequence in its stream (its INTAKE order)
    emitted: list[str] = field(default_factory=list)

    @property
    def payload(self) -> Any:
        return self.event.payload

    async def emit(
        self,
        payload: BaseModel,
        *,
        subject_id: str | None = None,
        tail: str | None = None,
        agency: str | None = None,
        key: str | None = None,
        time: datetime | None = None,
    ) -> str:
        """Put an event caused by this one into the outbox; return its id.

        The id is derived from the cause and `key` (default: the type and the order of
        emission), so applying the same cause again would emit the same ids. The event's
        `time` is the cause's time, so a replay produces identical events.
        """
        spec = REGISTRY.spec_for_model(type(payload))
        key = key or f"{spec.type}#{len(self.emitted)}"
        cause = self.event.envelope
        envelope = REGISTRY.build(
            payload,
            source=f"cohort/{self.service}",
            agency=agency or cause.agency,
            subject_id=subject_id,
            time=time or cause.time,
            correlationid=cause.correlationid or cause.id,
            causationid=cause.id,
            event_id=derived_event_id(cause.id, key),
        )
        await enqueue(
            self.con,
            envelope,
            subject=spec.subject_for(envelope.agency, tail),
            stream=spec.stream,
        )
        self.emitted.append(envelope.id)
        return envelope.id


class Router:
    """Event type (e.g. `session.scheduled.v1`) -> handler. Types without a handler are ignored."""

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}

    def on(self, *names: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            for name in names:
                if name in self._handlers:
                    raise ValueError(f"two handlers for {name}")
                self._handlers[name] = handler
            return handler

        return register

    def handler_for(self, name: str) -> Handler | None:
        return self._handlers.get(name)

    @property
    def names(self) -> list[str]:
        return sorted(self._handlers)
