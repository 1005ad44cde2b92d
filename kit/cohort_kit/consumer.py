"""The consumer policy: what happens to each message a durable pull consumer delivers.

Every failure path ends in exactly one of: applied (ack), duplicate (ack), ignored (ack),
dead-lettered (park, then ack), or retried later (nak with a delay). Nothing is terminated
and nothing is acknowledged before its effect or its dead-letter is durable.

Messages come in batches (`process_batch`, docs/decisions/0006 and 0008): a batch of
several is applied in stream order in one transaction, first without savepoints (a route's
`ahead` may serve a run of its events in one statement); if a handler raises, the batch is
rolled back and applied again with each message under its own savepoint, so the one that
fails is rolled back alone and takes the path it would take alone. The batch commits once,
then every message is settled (acked, NAKed or dead-lettered) in stream order. A batch of
one is applied exactly as before batches existed.
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import structlog
from cohort_contracts import REGISTRY, ContractError, Event, limits
from cohort_contracts.streams import ConsumerSpec
from nats.aio.msg import Msg

from . import inbox, outbox, ownership
from .deadletter import DeadLetters, deadletter_record
from .errors import Invalid, NotYetApplicable, is_transient
from .metrics import HANDLER_SECONDS, MESSAGES_IN, OUTCOMES
from .pulling import consume_span
from .tolerance import note_unknown_fields
from .units import Router, Unit

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    window_seconds: float = 120.0
    max_delay_seconds: float = 10.0
    first_delay_seconds: float = 0.25
    handler_failure_limit: int = 8

    def delay(self, attempt: int) -> float:
        """Exponential back-off from the first delay, capped."""
        return min(self.first_delay_seconds * 2 ** max(attempt - 1, 0), self.max_delay_seconds)


@dataclass(frozen=True)
class MessageLimits:
    """Bounds a body must keep before it is parsed (beyond them: `too_large`, `too_deep`)."""

    max_bytes: int = limits.MAX_MESSAGE_BYTES
    max_depth: int = limits.MAX_JSON_DEPTH


@dataclass(frozen=True)
class Fate:
    """What becomes of a message when its batch is settled: `ack`, `retry` or `park`."""

    action: str
    outcome: str
    reason: str = ""
    detail: str = ""


APPLIED, DUPLICATE, IGNORED = (
    Fate("ack", "applied"),
    Fate("ack", "duplicate"),
    Fate("ack", "ignored"),
)


def park(reason: str, detail: str) -> Fate:
    return Fate("park", "dead_lettered", reason, detail)


# After a handler raised in an optimistic batch, this many batches keep a savepoint per
# message: a run of failures (events waiting for facts) costs one wasted attempt, not one
# per batch.
CAREFUL_BATCHES = 8


class _HandlerRaised(Exception):
    """A handler raised in a batch without savepoints: roll the whole batch back."""


@dataclass
class _Batch:
    """What the messages of one batch transaction share."""

    con: asyncpg.Connection
    fresh: set[inbox.Key]  # inbox rows the batch wrote (new events)
    taken: set[inbox.Key]  # events met so far in the batch
    rows: outbox.OutboxBatch
    owners: ownership.Batch
    savepoints: bool


@dataclass
class Item:
    """One message of a batch: what was parsed from it and, once decided, its fate."""

    msg: Msg
    attempt: int = 1
    event: Event[Any] | None = None
    handler: Any = None
    final: bool = False
    stream_seq: int | None = None
    fate: Fate | None = None
    unit: Unit[Any, Any] | None = None  # built early when the route works `ahead`

    def reset(self) -> None:
        """Undecided again: the batch is applied anew."""
        self.fate, self.unit = None, None

    def bind(self, service: str, durable: str) -> None:
        """This message's keys on every log line. Every key is set (`...` hides one), which
        is cheap; `clear_contextvars` walks the whole context and is done once per batch."""
        event = self.event
        structlog.contextvars.bind_contextvars(
            service=service,
            consumer=durable,
            subject=self.msg.subject,
            event_id=... if event is None else event.id,
            type=... if event is None else event.type,
            correlationid=... if event is None else event.envelope.correlationid,
        )


class MessageProcessor:
    def __init__(
        self,
        *,
        service: str,
        consumer: ConsumerSpec,
        router: Router,
        pool: asyncpg.Pool,
        deadletters: DeadLetters,
        retry: RetryPolicy,
        limits: MessageLimits | None = None,
        deps: Any = None,
        settings: Any = None,
    ) -> None:
        self.service = service
        self.consumer = consumer
        self.router = router
        self.pool = pool
        self.deadletters = deadletters
        self.retry = retry
        self.limits = limits or MessageLimits()
        self.deps, self.settings = deps, settings  # handed to every handler in its Unit
        self.in_flight = 0
        self.draining = False
        self._careful_left = 0  # batches still to apply with savepoints after a failure
        # The metrics' children for this consumer, looked up once, not per message.
        self._messages_in = MESSAGES_IN.labels(service, consumer.durable)
        self._handler_seconds = HANDLER_SECONDS.labels(service, consumer.durable)
        self._outcomes: dict[str, Any] = {}

    def _outcome(self, outcome: str) -> Any:
        child = self._outcomes.get(outcome)
        if child is None:
            child = self._outcomes[outcome] = OUTCOMES.labels(
                self.service, self.consumer.durable, outcome
            )
        return child

    async def process(self, msg: Msg) -> str:
        """Decide one message's fate; return the outcome (also counted in metrics)."""
        return (await self.process_batch([msg]))[0]

    async def process_batch(self, msgs: list[Msg]) -> list[str]:
        """Apply a batch in stream order, then settle each message; return their outcomes."""
        if self.draining:
            # Shutting down: hand them straight back so another replica (or our restart)
            # takes them.
            for msg in msgs:
                await msg.nak()
            return ["handed_back"] * len(msgs)
        self.in_flight += 1
        started = time.perf_counter()
        self._messages_in.inc(len(msgs))
        structlog.contextvars.clear_contextvars()  # nothing bound by a handler outlives a batch
        try:
            items = [self._prepare(msg) for msg in msgs]
            todo = [item for item in items if item.fate is None]
            heartbeat = asyncio.ensure_future(self._keep_alive([i.msg for i in todo]))
            try:
                await self._apply_all(todo)
            finally:
                heartbeat.cancel()
            outcomes = [await self._settle(item) for item in items]
        finally:
            self.in_flight -= 1
            seconds = time.perf_counter() - started
            for _ in msgs:  # the batch's time, shared out: a per-message figure as before
                self._handler_seconds.observe(seconds / len(msgs))
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(service=self.service, consumer=self.consumer.durable)
        if len(msgs) == 1:
            log.info("message handled", outcome=outcomes[0], ms=round(seconds * 1000, 1))
        else:
            log.info(
                "batch handled",
                size=len(msgs),
                outcomes=dict(Counter(outcomes)),
                ms=round(seconds * 1000, 1),
            )
        return outcomes

    def _prepare(self, msg: Msg) -> Item:
        """Parse and route one message; decide at once what needs no database."""
        item = Item(msg)  # its log keys are bound once parsed (a refused one: when settled)
        meta = msg.metadata
        attempt = item.attempt = meta.num_delivered
        item.stream_seq = meta.sequence.stream
        try:
            event = REGISTRY.parse(
                msg.data,
                msg.subject,
                max_bytes=self.limits.max_bytes,
                max_depth=self.limits.max_depth,
            )
        except ContractError as exc:
            item.fate = park(exc.reason, exc.detail)
            return item
        except Exception as exc:  # parse is one door; still, nothing may escape to redelivery
            item.fate = park("unparseable", "".join(traceback.format_exception(exc)))
            return item
        item.event = event
        item.bind(self.service, self.consumer.durable)
        note_unknown_fields(self.service, event)  # read tolerantly: a later minor version
        handler = item.handler = self.router.handler_for(event.type)
        if handler is None and not ownership.applies_to(event):
            item.fate = IGNORED
            return item
        if attempt >= self.consumer.max_deliver:
            item.fate = park("max_deliveries", f"delivered {attempt} times without being applied")
            return item
        item.final = self._retry_window_over(meta.timestamp)
        return item

    async def _apply_all(self, todo: list[Item]) -> None:
        if len(todo) == 1:
            await self._apply_alone(todo[0])
            return
        if not todo:
            return
        try:
            await self._apply_optimistic_or_careful(todo)
        except Exception as exc:
            # The batch as a whole did not commit (connection lost, commit refused): none of
            # it is durable, so each message is applied alone, exactly as without batches.
            log.warning("batch not applied; applying its messages one at a time", error=repr(exc))
            for item in todo:
                item.reset()
                await self._apply_alone(item)

    async def _apply_optimistic_or_careful(self, todo: list[Item]) -> None:
        """Optimistic first (docs/decisions/0008): no savepoints; if a handler raises, the
        whole transaction is rolled back and the batch applied again with a savepoint per
        message, as will the next `CAREFUL_BATCHES` (failures tend to come in runs)."""
        if self._careful_left > 0:
            self._careful_left -= 1
            await self._apply_together(todo, savepoints=True)
            return
        try:
            await self._apply_together(todo, savepoints=False)
        except _HandlerRaised as raised:
            log.debug(
                "a handler raised in an optimistic batch; again with savepoints",
                error=repr(raised.__cause__),
            )
            self._careful_left = CAREFUL_BATCHES
            for item in todo:
                item.reset()
            await self._apply_together(todo, savepoints=True)

    async def _apply_alone(self, item: Item) -> None:
        item.bind(self.service, self.consumer.durable)
        try:
            applied = await self._apply(item)
        except Exception as exc:
            item.fate = self._failure(item, exc)
            return
        item.fate = IGNORED if applied is None else APPLIED if applied else DUPLICATE

    async def _apply(self, item: Item) -> bool | None:
        """True when applied now, False for a duplicate, None when this router has no handler
        (the event was only checked for ownership, as every intake event is)."""
        event = item.event
        assert event is not None
        async with self.pool.acquire() as con:
            if ownership.applies_to(event):
                # Before, and apart from, the handler's transaction: see `ownership`.
                await ownership.enforce(con, event, item.stream_seq)
            if item.handler is None:
                return None
            async with con.transaction():
                if not await inbox.record(con, self.consumer.durable, event):
                    return False
                await self._run(con, item)
                await still_open(con)
                return True

    async def _apply_together(self, items: list[Item], *, savepoints: bool = True) -> None:
        """Several messages, one transaction, in stream order.

        Ownership is enforced per message just before its handler and outside its
        savepoint: a claim stays whatever the handler then does, as it does alone, and is
        made in the same order relative to the handlers (`ownership.Batch`: the owners
        are read in one query up front, the claims written in one before the commit, and
        a handler's `owner`/`claim` sees them in stream order). Inbox rows are written in one
        statement up front (removed again for a message that is not applied), outbox rows
        in one statement before the commit. With `savepoints` each handler runs under its
        own; without, a handler that raises rolls the whole batch back (`_HandlerRaised`),
        and a route's `ahead` serves each run of its messages first.
        """
        durable = self.consumer.durable
        handled = [i for i in items if i.handler is not None]
        async with self.pool.acquire() as con, con.transaction():
            fresh = await inbox.record_many(con, durable, [i.event for i in handled])  # type: ignore[misc]
            owners = await ownership.prefetch(con, [i.event for i in items])  # type: ignore[misc]
            with outbox.batched(con) as rows, ownership.batched(owners):
                batch = _Batch(con, fresh, set(), rows, owners, savepoints)
                start = 0
                while start < len(items):
                    run = [items[start]] if savepoints else _ahead_run(items, start)
                    admitted = [item for item in run if await self._admit(batch, item)]
                    if len(admitted) > 1:
                        await self._ahead(con, admitted)
                    for item in admitted:
                        await self._handle(batch, item, rebind=len(run) > 1)
                    start += len(run)
                await owners.flush(con)  # a claim race: the batch goes one at a time
                await rows.flush()
                await still_open(con)  # else one at a time, which finds the culprit

    async def _admit(self, batch: _Batch, item: Item) -> bool:
        """Inbox and ownership for one message of a batch; True when its handler is to run
        (otherwise its fate is decided: duplicate, ignored or `not_owner`)."""
        con, event = batch.con, item.event
        assert event is not None
        item.bind(self.service, self.consumer.durable)
        key = inbox.key(event)
        first_time = False
        if item.handler is not None:
            if key in batch.taken:  # the same event twice in one batch: its row says so
                first_time = await inbox.record(con, self.consumer.durable, event)
            else:
                first_time = key in batch.fresh
            batch.taken.add(key)
        if ownership.applies_to(event):
            try:
                await batch.owners.enforce(con, event, item.stream_seq)
            except Invalid as exc:
                item.fate = park(exc.reason, exc.detail or str(exc))
                if item.handler is not None and first_time:
                    await inbox.forget(con, self.consumer.durable, event)
                return False
        if item.handler is None:
            item.fate = IGNORED
            return False
        if not first_time:
            item.fate = DUPLICATE
            return False
        return True

    async def _ahead(self, con: asyncpg.Connection, items: list[Item]) -> None:
        """The route's `ahead` for a run of admitted messages (only without savepoints)."""
        for item in items:
            item.unit = self._unit(con, item)
        ahead = items[0].handler.ahead
        try:
            await ahead(con, [item.unit for item in items])
        except Exception as exc:  # roll the whole batch back: `_apply_optimistic_or_careful`
            raise _HandlerRaised from exc

    async def _handle(self, batch: _Batch, item: Item, *, rebind: bool) -> None:
        """The handler of an admitted message: straight, or under its own savepoint.
        `rebind`: other messages were admitted since this one bound its log keys."""
        con, rows = batch.con, batch.rows
        if rebind:
            item.bind(self.service, self.consumer.durable)
        if not batch.savepoints:
            try:
                await self._run(con, item)
            except Exception as exc:  # roll the whole batch back: `_apply_optimistic_or_careful`
                raise _HandlerRaised from exc
            item.fate = APPLIED
            return
        mark = rows.mark()
        # A savepoint per message, never released: one round trip instead of two, and a
        # released savepoint would keep its subtransaction all the same. The name is reused
        # on purpose: ROLLBACK TO goes back to the newest one, this message's.
        await con.execute("SAVEPOINT cohort_message")
        try:
            await self._run(con, item)
        except Exception as exc:
            await con.execute("ROLLBACK TO SAVEPOINT cohort_message")
            rows.rollback(mark)
            await inbox.forget(con, self.consumer.durable, item.event)  # type: ignore[arg-type]
            item.fate = self._failure(item, exc)
            return
        item.fate = APPLIED

    def _unit(self, con: asyncpg.Connection, item: Item) -> Unit[Any, Any]:
        assert item.event is not None
        return Unit(
            con=con,
            event=item.event,
            service=self.service,
            final=item.final,
            attempt=item.attempt,
            stream_seq=item.stream_seq,
            deps=self.deps,
            settings=self.settings,
        )

    async def _run(self, con: asyncpg.Connection, item: Item) -> None:
        """The handler, with the claims a network event states (see `ownership.learn`)."""
        event = item.event
        assert event is not None
        with consume_span(item.msg):
            await ownership.learn(con, event)
            await item.handler(item.unit or self._unit(con, item))

    def _failure(self, item: Item, exc: Exception) -> Fate:
        """The fate of a message whose application raised (the policy of docs/kit.md)."""
        attempt = item.attempt
        if isinstance(exc, NotYetApplicable):
            return Fate("retry", "retry_later", exc.reason)
        if isinstance(exc, Invalid):
            return park(exc.reason, exc.detail or str(exc))
        if is_transient(exc):
            return Fate("retry", "transient_retry", repr(exc))
        if attempt >= self.retry.handler_failure_limit:
            return park("handler_error", "".join(traceback.format_exception(exc)))
        log.error("handler failed; will retry", error=repr(exc), attempt=attempt)
        return Fate("retry", "handler_error_retry", repr(exc))

    async def _settle(self, item: Item) -> str:
        """Carry out the fate: ack, NAK with back-off, or park then ack."""
        fate = item.fate
        assert fate is not None
        if fate.action != "ack" or log.is_enabled_for(logging.DEBUG):  # what will log
            item.bind(self.service, self.consumer.durable)
        if fate.action == "retry":
            outcome = await self._retry(item.msg, item.attempt, fate.outcome, fate.reason)
        elif fate.action == "park":
            outcome = await self._dead_letter(item.msg, fate.reason, fate.detail)
        else:
            await item.msg.ack()
            outcome = fate.outcome
        self._outcome(outcome).inc()
        log.debug("message handled", outcome=outcome)
        return outcome

    async def _keep_alive(self, msgs: list[Msg]) -> None:
        """A batch slower than the ack wait keeps its messages: tell NATS they are in progress.

        Without this, another replica's pending pull would get a message while it is
        still being handled here (the inbox would absorb it, but the work would be done twice).
        """
        if not msgs:
            return
        interval = max(self.consumer.ack_wait_seconds / 3, 0.05)
        while True:
            await asyncio.sleep(interval)
            for msg in msgs:
                try:
                    await msg.in_progress()
                except Exception as exc:  # connection trouble: NATS will redeliver, inbox dedups
                    log.warning("could not extend the ack wait", error=repr(exc))

    async def _retry(self, msg: Msg, attempt: int, outcome: str, why: str) -> str:
        delay = self.retry.delay(attempt)
        log.info("not applied now; retrying", why=why, attempt=attempt, delay=delay)
        await msg.nak(delay=delay)
        return outcome

    async def _dead_letter(self, msg: Msg, reason: str, detail: str) -> str:
        meta = _metadata(msg)
        record = deadletter_record(
            service=self.service,
            consumer=self.consumer.durable,
            reason=reason,
            detail=detail,
            subject=msg.subject,
            body=msg.data,
            headers=dict(msg.headers or {}),
            stream=meta.stream if meta else None,
            stream_seq=meta.sequence.stream if meta else None,
            deliveries=meta.num_delivered if meta else None,
            max_body_bytes=self.limits.max_bytes,
        )
        try:
            await self.deadletters.park(record)
        except Exception as exc:
            # Could not park it: keep the original and try again later, never drop it.
            log.warning("dead-letter publish failed; retrying", error=repr(exc))
            await msg.nak(delay=self.retry.max_delay_seconds)
            return "transient_retry"
        log.warning("dead-lettered", reason=reason, detail=detail[:500])
        await msg.ack()
        return "dead_lettered"

    def _retry_window_over(self, stored_at: datetime) -> bool:
        age = (datetime.now(UTC) - stored_at).total_seconds()
        return age >= self.retry.window_seconds


def _ahead_run(items: list[Item], start: int) -> list[Item]:
    """The messages from `start` that one `ahead` call may serve: consecutive, of one route
    with `ahead`, none stating an owner (`ownership.learn` claims inside the handler)."""
    route = items[start].handler
    if route is None or route.ahead is None:
        return [items[start]]
    end = start
    while (
        end < len(items)
        and items[end].handler is route
        and items[end].event.type not in ownership.NETWORK_CLAIMS  # type: ignore[union-attr]
    ):
        end += 1
    return items[start : max(end, start + 1)]


class SwallowedDatabaseError(RuntimeError):
    """A handler caught a database error and carried on: its transaction is aborted."""


async def still_open(con: asyncpg.Connection) -> None:
    """Raise when the transaction is aborted, before its COMMIT.

    PostgreSQL answers COMMIT in an aborted transaction with a rollback and no error, so a
    handler that swallowed a database error would have its work (and the inbox row) thrown
    away while its message is acked as applied. Raising here makes it a handler failure:
    retried, then dead-lettered as `handler_error` with this message."""
    try:
        await con.execute("SELECT 1")
    except asyncpg.InFailedSQLTransactionError as exc:
        raise SwallowedDatabaseError(
            "a handler caught a database error and carried on; its transaction was aborted"
        ) from exc


def _metadata(msg: Msg) -> Any:
    try:
        return msg.metadata
    except Exception:
        return None
