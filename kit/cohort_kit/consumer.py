"""The consumer policy: what happens to each message a durable pull consumer delivers.

Every failure path ends in exactly one of: applied (ack), duplicate (ack), ignored (ack),
dead-lettered (park, then ack), or retried later (nak with a delay). Nothing is terminated
and nothing is acknowledged before its effect or its dead-letter is durable.
"""

from __future__ import annotations

import asyncio
import time
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import structlog
from cohort_contracts import REGISTRY, ContractError, Event, limits
from cohort_contracts.streams import ConsumerSpec
from nats.aio.msg import Msg

from . import ownership
from .deadletter import DeadLetters, deadletter_record
from .errors import Invalid, NotYetApplicable, is_transient
from .metrics import HANDLER_SECONDS, MESSAGES_IN, OUTCOMES
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

    async def process(self, msg: Msg) -> str:
        """Decide one message's fate; return the outcome (also counted in metrics)."""
        if self.draining:
            # Shutting down: hand it straight back so another replica (or our restart) takes it.
            await msg.nak()
            return "handed_back"
        self.in_flight += 1
        started = time.perf_counter()
        MESSAGES_IN.labels(self.service, self.consumer.durable).inc()
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(
            service=self.service, consumer=self.consumer.durable, subject=msg.subject
        )
        try:
            outcome = await self._process(msg)
        finally:
            self.in_flight -= 1
            HANDLER_SECONDS.labels(self.service, self.consumer.durable).observe(
                time.perf_counter() - started
            )
        OUTCOMES.labels(self.service, self.consumer.durable, outcome).inc()
        log.info("message handled", outcome=outcome)
        return outcome

    async def _process(self, msg: Msg) -> str:
        meta = msg.metadata
        attempt = meta.num_delivered
        try:
            event = REGISTRY.parse(
                msg.data,
                msg.subject,
                max_bytes=self.limits.max_bytes,
                max_depth=self.limits.max_depth,
            )
        except ContractError as exc:
            return await self._dead_letter(msg, exc.reason, exc.detail)
        except Exception as exc:  # parse is one door; still, nothing may escape to redelivery
            detail = "".join(traceback.format_exception(exc))
            return await self._dead_letter(msg, "unparseable", detail)
        note_unknown_fields(self.service, event)  # read tolerantly: a later minor version
        structlog.contextvars.bind_contextvars(
            event_id=event.id, type=event.type, correlationid=event.envelope.correlationid
        )
        handler = self.router.handler_for(event.type)
        if handler is None and not ownership.applies_to(event):
            await msg.ack()
            return "ignored"
        if attempt >= self.consumer.max_deliver:
            return await self._dead_letter(
                msg, "max_deliveries", f"delivered {attempt} times without being applied"
            )
        final = self._retry_window_over(meta.timestamp)
        heartbeat = asyncio.ensure_future(self._keep_alive(msg))
        try:
            applied = await self._apply(
                event, handler, final=final, attempt=attempt, stream_seq=meta.sequence.stream
            )
        except NotYetApplicable as exc:
            return await self._retry(msg, attempt, "retry_later", exc.reason)
        except Invalid as exc:
            return await self._dead_letter(msg, exc.reason, exc.detail or str(exc))
        except Exception as exc:
            if is_transient(exc):
                return await self._retry(msg, attempt, "transient_retry", repr(exc))
            if attempt >= self.retry.handler_failure_limit:
                detail = "".join(traceback.format_exception(exc))
                return await self._dead_letter(msg, "handler_error", detail)
            log.error("handler failed; will retry", error=repr(exc), attempt=attempt)
            return await self._retry(msg, attempt, "handler_error_retry", repr(exc))
        finally:
            heartbeat.cancel()
        await msg.ack()
        if applied is None:
            return "ignored"
        return "applied" if applied else "duplicate"

    async def _apply(
        self,
        event: Event[Any],
        handler: Any,
        *,
        final: bool,
        attempt: int,
        stream_seq: int | None = None,
    ) -> bool | None:
        """True when applied now, False for a duplicate, None when this router has no handler
        (the event was only checked for ownership, as every intake event is)."""
        async with self.pool.acquire() as con:
            if ownership.applies_to(event):
                # Before, and apart from, the handler's transaction: see `ownership`.
                await ownership.enforce(con, event, stream_seq)
            if handler is None:
                return None
            async with con.transaction():
                await ownership.learn(con, event)
                return await self._apply_in(con, event, handler, final, attempt, stream_seq)

    async def _apply_in(
        self,
        con: asyncpg.Connection,
        event: Event[Any],
        handler: Any,
        final: bool,
        attempt: int,
        stream_seq: int | None,
    ) -> bool:
        first_time = await con.fetchval(
            """INSERT INTO inbox (consumer, source, event_id, event_type)
               VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING true""",
            self.consumer.durable,
            event.envelope.source,
            event.id,
            event.type,
        )
        if not first_time:
            return False
        unit = Unit(
            con=con,
            event=event,
            service=self.service,
            final=final,
            attempt=attempt,
            stream_seq=stream_seq,
            deps=self.deps,
            settings=self.settings,
        )
        await handler(unit)
        return True

    async def _keep_alive(self, msg: Msg) -> None:
        """A handler slower than the ack wait keeps its message: tell NATS it is in progress.

        Without this, another replica's pending pull would get the message while it is
        still being handled here (the inbox would absorb it, but the work would be done twice).
        """
        interval = max(self.consumer.ack_wait_seconds / 3, 0.05)
        while True:
            await asyncio.sleep(interval)
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


def _metadata(msg: Msg) -> Any:
    try:
        return msg.metadata
    except Exception:
        return None
