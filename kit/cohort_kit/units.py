"""A unit of work: one event applied in one transaction, with the events it causes.

Handlers are module-level functions registered by payload model on a `Router`; each gets
a `Unit[Payload, Deps]`: the typed payload, the connection inside the transaction, and the
service's dependencies (`deps`, built once by the definition) and settings.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, overload

import asyncpg
from cohort_contracts import REGISTRY, Event
from pydantic import BaseModel
from typing_extensions import TypeVar

from .emitting import Schedule, emit
from .outbox import derived_event_id

P = TypeVar("P", bound=BaseModel, default=Any)
D = TypeVar("D", default=Any)
Handler = Callable[["Unit[Any, Any]"], Awaitable[None]]
# Work for a run of units done in one round trip before their handlers (`Router.on(ahead=)`).
Ahead = Callable[[asyncpg.Connection, "list[Unit[Any, Any]]"], Awaitable[None]]
TypedHandler = Callable[["Unit[P, Any]"], Awaitable[None]]


class UndeclaredEmit(RuntimeError):
    """A handler emitted a type its registration does not list (`Router.on(..., emits=)`)."""


@dataclass
class Unit(Generic[P, D]):
    """What a handler gets: the connection (in a transaction), the event, `emit`, `deps`.

    `final` is True when the retry window of an event that was not applicable has ended:
    the handler must now decide for good instead of raising `NotYetApplicable` again
    (`cohort_kit.pending`).
    """

    con: asyncpg.Connection
    event: Event[P]
    service: str
    final: bool = False
    attempt: int = 1
    stream_seq: int | None = None  # the event's sequence in its stream (its INTAKE order)
    emitted: list[str] = field(default_factory=list)
    deps: D = None  # type: ignore[assignment]  # the definition's `deps(settings)`
    settings: Any = None  # the runtime's ServiceSettings
    may_emit: frozenset[str] | None = None  # set by the router from the registration
    # What the route's `ahead` prepared for this unit; None: nothing, the handler reads
    # (and writes) for itself, as it always must be able to.
    ahead: Any = None

    @property
    def payload(self) -> P:
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
        schedule: Schedule | None = None,
    ) -> str:
        """Put an event caused by this one into the outbox; return its id.

        The id is derived from the cause and `key` (default: the type and the order of
        emission), so applying the same cause again would emit the same ids. The event's
        `time` is the cause's time, so a replay produces identical events. With `schedule`
        the event waits on a schedule subject until its moment (`cohort_kit.emitting`).
        """
        spec = REGISTRY.spec_for_model(type(payload))
        if self.may_emit is not None and spec.type not in self.may_emit:
            raise UndeclaredEmit(f"{self.event.type} handler emitted {spec.type}")
        key = key or f"{spec.type}#{len(self.emitted)}"
        cause = self.event.envelope
        envelope = await emit(
            self.con,
            payload,
            service=self.service,
            agency=agency or cause.agency,
            subject_id=subject_id,
            tail=tail,
            time=time or cause.time,
            correlationid=cause.correlationid or cause.id,
            causationid=cause.id,
            event_id=derived_event_id(cause.id, key),
            schedule=schedule,
        )
        self.emitted.append(envelope.id)
        return envelope.id


@dataclass(frozen=True)
class Route:
    """One registration: the event type, its handler and the types it may emit."""

    type: str
    handler: Handler
    emits: tuple[str, ...] | None  # None: not declared (not checked)
    ahead: Ahead | None = None

    async def __call__(self, unit: Unit[Any, Any]) -> None:
        if self.emits is not None:
            unit.may_emit = frozenset(self.emits)
        await self.handler(unit)


class Router:
    """Event type -> handler, registered by payload model. Types without a handler are ignored.

    `@router.on(EnrolmentRequested, emits=(EnrolmentConfirmed, ...))` types the handler's
    `unit.payload` and lists what it may put into the outbox (the reaction table,
    `cohort contracts export`). A type string is accepted for the same registration; it
    must name a type of the catalogue (checked here, at import).

    `ahead` (docs/decisions/0008): in a batch applied without savepoints, a run of
    consecutive events of this route is first handed to `ahead(con, units)` in stream
    order, which may do in one statement what each handler would do first, and leave
    its result in `unit.ahead`. It must leave `unit.ahead` None for a unit whose result
    an earlier handler of the run could change, and its handlers must not claim ownership.
    """

    def __init__(self) -> None:
        self._routes: dict[str, Route] = {}

    @overload
    def on(
        self,
        model: type[P],
        /,
        *,
        emits: Iterable[type[BaseModel]] | None = None,
        ahead: Ahead | None = None,
    ) -> Callable[
        [Callable[[Unit[P, Any]], Awaitable[None]]], Callable[[Unit[P, Any]], Awaitable[None]]
    ]: ...

    @overload
    def on(
        self,
        *models: type[BaseModel] | str,
        emits: Iterable[type[BaseModel]] | None = None,
        ahead: Ahead | None = None,
    ) -> Callable[[Handler], Handler]: ...

    def on(
        self,
        *models: type[BaseModel] | str,
        emits: Iterable[type[BaseModel]] | None = None,
        ahead: Ahead | None = None,
    ) -> Callable[[Any], Any]:
        names = [_type_of(m) for m in models]
        declared = None if emits is None else tuple(_type_of(m) for m in emits)

        def register(handler: Any) -> Any:
            for name in names:
                if name in self._routes:
                    raise ValueError(f"two handlers for {name}")
                self._routes[name] = Route(name, handler, declared, ahead)
            return handler

        return register

    def handler_for(self, name: str) -> Route | None:
        return self._routes.get(name)

    @property
    def names(self) -> list[str]:
        return sorted(self._routes)

    @property
    def routes(self) -> list[Route]:
        return [self._routes[name] for name in self.names]


def _type_of(model: type[BaseModel] | str) -> str:
    if isinstance(model, str):
        return REGISTRY.spec(model).type  # raises on a type outside the catalogue
    return REGISTRY.spec_for_model(model).type
