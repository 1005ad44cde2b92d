"""The delivery worker: claims due deliveries, sends them, records the outcome.

A claim is a lease (`claimed_until`), committed before anything is sent, so no database
transaction stays open across network I/O. After sending, the outcome and its
`notification.sent` / `notification.failed` event are committed together (outbox).

An erasure that commits after the claim is caught by a re-check under the row's lock just
before the send (`store.recheck_claimed`): the delivery is dropped as erased.

The one window: the SMTP server accepted the message and the process died before the
outcome was committed. The lease then expires and the delivery is sent again, with the
same `Message-ID` (receivers and the catcher can recognise it) and flagged `in_doubt`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import structlog
from cohort_contracts import REGISTRY
from cohort_contracts.notifications import NotificationFailed, NotificationSent
from cohort_contracts.streams import DEADLETTER, deadletter_subject
from cohort_kit.deadletter import deadletter_record
from cohort_kit.emitting import emit
from cohort_kit.errors import is_transient
from cohort_kit.outbox import derived_event_id

from . import store
from .channels import Channel, EmailChannel, ReportWebhookChannel, SmsChannel, WebhookChannel
from .domain import DeliveryError, backoff
from .notifier import Clock, utcnow
from .settings import NotificationSettings

log = structlog.get_logger(__name__)
EVENT_CHANNELS = ("email", "sms")  # the contract's channels; webhooks are agency copies


class DeliveryWorker:
    def __init__(
        self,
        pool: asyncpg.Pool,
        settings: NotificationSettings,
        channels: dict[str, Channel] | None = None,
        clock: Clock = utcnow,
    ) -> None:
        self.pool = pool
        self.s = settings
        self.http = httpx.AsyncClient(timeout=settings.http_timeout)
        self.channels: dict[str, Channel] = channels or {
            "email": EmailChannel(settings, self.http),
            "sms": SmsChannel(settings, self.http),
            "webhook": WebhookChannel(settings, self.http),
            "report_webhook": ReportWebhookChannel(settings, self.http),
        }
        self.js: Any = None  # set by `run`: dead-letters of report webhooks
        self.clock = clock
        self.wake = asyncio.Event()
        self._sem = asyncio.Semaphore(settings.delivery_concurrency)

    async def run_once(self) -> int:
        async with self.pool.acquire() as con, con.transaction():
            rows = await store.claim(con, self.s.delivery_batch, self.s.delivery_lease_seconds)
        await asyncio.gather(*(self._deliver(r) for r in rows))
        return len(rows)

    async def _deliver(self, d: Any) -> None:
        claimed = time.monotonic()  # the lease began at the claim, just before
        async with self._sem:
            if not await self._still_wanted(d):
                return
            if d["in_doubt"]:
                log.warning(
                    "sending again a delivery whose last attempt was not recorded",
                    delivery_id=d["delivery_id"],
                )
            error: DeliveryError | None = None
            try:
                await self.channels[d["channel"]].send(d)
            except DeliveryError as exc:
                error = exc
            except Exception as exc:  # a bug or an unforeseen library error: try again later
                error = DeliveryError(repr(exc), permanent=False)
            await self._record_within_lease(d, error, claimed)

    async def _record_within_lease(
        self, d: Any, error: DeliveryError | None, claimed: float
    ) -> None:
        """Record the outcome, retrying while the database is away and the lease lasts.

        Once the SMTP server has accepted a message, losing its outcome means sending it
        again after the lease (in doubt, same Message-ID). A PostgreSQL restart or failover
        is the usual cause, and it passes: so the outcome is kept in memory and written as
        soon as the database is back. Only a crash of this process, or an outage longer than
        the lease, leaves the documented window."""
        pause = 0.2
        while True:
            try:
                await self._record(d, error)
                return
            except Exception as exc:
                left = claimed + self.s.delivery_lease_seconds - time.monotonic() - pause
                if not is_transient(exc) or left <= 5:
                    raise
                log.info("outcome not recorded yet; database away", error=repr(exc))
                await asyncio.sleep(pause)
                pause = min(pause * 2, 5.0)

    async def _record(self, d: Any, error: DeliveryError | None) -> None:
        """One transaction: the delivery's row and its event (outbox)."""
        async with self.pool.acquire() as con, con.transaction():
            if error is None:
                await store.mark_sent(con, d["delivery_id"])
                await self._emit(con, d, None)
                log.info("delivered", delivery_id=d["delivery_id"], channel=d["channel"])
                return
            window = (
                self.s.report_webhook_give_up_after_seconds
                if d["channel"] == "report_webhook"
                else self.s.give_up_after_seconds
            )
            too_old = self.clock() - d["created_at"] > timedelta(seconds=window)
            if error.permanent or too_old:
                if d["channel"] == "report_webhook":
                    await self._deadletter(d, str(error), too_old)
                await store.mark_failed(con, d["delivery_id"], str(error))
                await self._emit(con, d, str(error))
                log.warning("delivery failed", delivery_id=d["delivery_id"], error=str(error))
            else:
                delay = backoff(d["attempts"], self.s.retry_first_seconds, self.s.retry_cap_seconds)
                await store.mark_retry(con, d["delivery_id"], delay, str(error))
                log.info("delivery will be retried", delivery_id=d["delivery_id"], delay=delay)

    async def _still_wanted(self, d: Any) -> bool:
        """Re-check a claimed delivery right before sending: its recipient may have been
        erased (or the row cancelled) since the claim committed. Dropped, never sent."""
        async with self.pool.acquire() as con:  # one statement: its own transaction
            verdict = await store.recheck_claimed(con, d["delivery_id"])
        if verdict == "send":
            return True
        log.info("claimed delivery dropped", delivery_id=d["delivery_id"], why=verdict)
        return False

    async def _deadletter(self, d: Any, error: str, window_over: bool) -> None:
        """Park a report webhook that will never be delivered on `deadletter.notification`,
        with its reason and the body it would have posted (replayable by hand). Published
        before the failure is committed; the Nats-Msg-Id makes a second try a duplicate."""
        if self.js is None:
            raise RuntimeError("no JetStream to dead-letter on")  # the round retries
        reason = "retry_window_over" if window_over else "refused"
        record = deadletter_record(
            service="notification",
            consumer="report_webhook",
            reason=reason,
            detail=f"{d['address']}: {error} (after {d['attempts']} attempts)",
            subject=d["address"],
            body=d["body_text"].encode(),
            headers={"x-cohort-delivery": d["delivery_id"]},
            stream=None,
            stream_seq=None,
            deliveries=d["attempts"],
        )
        await self.js.publish(
            deadletter_subject("notification"),
            json.dumps(record).encode(),
            stream=DEADLETTER.name,
            headers={"Nats-Msg-Id": f"deadletter:{d['delivery_id']}"},
        )

    async def _emit(self, con: asyncpg.Connection, d: Any, error: str | None) -> None:
        if d["channel"] not in EVENT_CHANNELS:
            return
        fields = {
            "notification_id": d["delivery_id"],
            "recipient": d["recipient"],
            "channel": d["channel"],
            "template": d["template"],
            "language": d["language"],
            "cause": d["cause_id"],
        }
        payload: NotificationSent
        if error is None:
            payload = NotificationSent(**fields)
        else:
            payload = NotificationFailed(**fields, error=error[:4000], attempts=d["attempts"])
        event_type = REGISTRY.spec_for_model(type(payload)).type
        await emit(
            con,
            payload,
            service="notification",
            agency=d["agency"],
            subject_id=d["delivery_id"],
            time=self.clock(),
            correlationid=d["correlationid"],
            causationid=d["cause_id"],
            event_id=derived_event_id(d["delivery_id"], event_type),
        )

    async def purge_void_reminders(self, js: Any) -> int:
        """Remove voided reminder schedules from the stream (the fire-time check is the guard)."""
        async with self.pool.acquire() as con, con.transaction():
            rows = await store.claim_void_reminders(con, 100)
            subjects = [r["schedule_subject"] for r in rows]
            for subject in subjects:
                await js.purge_stream("NOTIFICATION", subject=subject)
            if subjects:
                await store.mark_purged(con, subjects)
        return len(subjects)

    async def run(self, js: Any = None) -> None:
        self.js = js
        listener = None

        def wake(*_: object) -> None:
            self.wake.set()

        with contextlib.suppress(Exception):
            listener = await self.pool.acquire()
            await listener.add_listener(store.DELIVERY_WAKE, wake)
        try:
            while True:
                try:
                    n = await self.run_once()
                    if js is not None:
                        await self.purge_void_reminders(js)
                    if n:
                        continue
                except Exception as exc:
                    log.warning("delivery round failed", error=repr(exc))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), self.s.delivery_poll_seconds)
                self.wake.clear()
        finally:
            await self.http.aclose()
            for channel in self.channels.values():  # kept SMTP sessions
                if closer := getattr(channel, "aclose", None):
                    await closer()
            if listener is not None:
                with contextlib.suppress(Exception):
                    await listener.remove_listener(store.DELIVERY_WAKE, wake)
                    await self.pool.release(listener)
