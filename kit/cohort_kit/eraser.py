"""The erasure worker: after every service has forgotten a participant, the streams do too.

Run by the operator as `cohort privacy worker` (NATS user `privacy`, the only one allowed
to delete stream messages). It takes `participant.erasure_requested.v1` from the durable
consumer `privacy-requests`, one at a time in INTAKE order, and:

1. refuses a request from an agency that did not register the person (`not_owner`,
   dead-lettered on `deadletter.privacy`), as every service does;
2. waits until each service has confirmed (`privacy.erased.<service>.<digest>`);
3. finds the stream messages holding the person's direct identifiers: in INTAKE their
   registrations and commented evaluations before the request; in the other streams
   (NOTIFICATION, ENROLMENT, CERTIFICATION, DEADLETTER) any message quoting their e-mail
   or phone, and dead-letters of their intake events;
4. for each: stores a redaction record (`privacy.redaction.<stream>.<seq>`, PubAck
   awaited), then `delete_msg` (the server overwrites the bytes); the secondary streams
   first, because INTAKE's registrations hold the addresses to look for;
5. publishes `erasure.completed.v1` on `privacy.completed.<agency>` and acknowledges.

Every step is idempotent (a record is stored again with the same id, deleting a deleted
message is a no-op), so a worker killed anywhere resumes to the same end state.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import nats.errors
import nats.js.errors
import structlog
from cohort_contracts import REGISTRY, ContractError, Event
from cohort_contracts.classification import direct_fields
from cohort_contracts.privacy import (
    ERASED_TEXT,
    AgencyDuty,
    ErasureCompleted,
    RedactedSlot,
    RedactionRecord,
    redacted_data,
)
from cohort_contracts.streams import deadletter_subject
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from .deadletter import deadletter_record
from .erasure import confirmation_subject
from .outbox import derived_event_id
from .redaction import PRIVACY_STREAM, read_stream, redaction_subject

log = structlog.get_logger(__name__)

SERVICES = ("enrolment", "certification", "notification", "reporting")
SECONDARY_STREAMS = ("NOTIFICATION", "ENROLMENT", "CERTIFICATION", "DEADLETTER")
PERSONAL_INTAKE = ("intake.*.participant.registered", "intake.*.evaluation.submitted")
Step = Callable[[str], Awaitable[None]]


@dataclass
class Found:
    """What carries the person's identifiers, and what to look for elsewhere."""

    intake: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)
    needles: set[str] = field(default_factory=set)
    owners: set[str] = field(default_factory=set)


class ErasureWorker:
    def __init__(
        self,
        js: JetStreamContext,
        *,
        services: tuple[str, ...] = SERVICES,
        poll_seconds: float = 0.5,
        step: Step | None = None,
    ) -> None:
        self.js = js
        self.services = services
        self.poll_seconds = poll_seconds
        self._step = step  # tests stop the worker between steps here

    async def run(self, stop: asyncio.Event | None = None) -> None:
        sub = await self.js.pull_subscribe_bind("privacy-requests", stream="INTAKE")
        try:
            while stop is None or not stop.is_set():
                try:
                    msgs = await sub.fetch(1, timeout=1.0)
                except nats.errors.TimeoutError:
                    continue
                for msg in msgs:
                    await self.handle(msg)
        finally:
            await sub.unsubscribe()

    async def handle(self, msg: Msg) -> str:
        """One request, start to end; the ack wait is extended while it runs."""
        beat = asyncio.ensure_future(_keep_alive(msg))
        try:
            return await self._handle(msg)
        finally:
            beat.cancel()

    async def _handle(self, msg: Msg) -> str:
        seq = msg.metadata.sequence.stream
        try:
            event = REGISTRY.parse(msg.data, msg.subject)
        except ContractError as exc:
            return await self._dead_letter(msg, exc.reason, exc.detail)
        structlog.contextvars.bind_contextvars(event_id=event.id, type=event.type)
        pid = event.payload.participant_id
        found = await self._find_intake(pid, seq)
        if found.owners and event.agency not in found.owners:
            owners = ", ".join(sorted(found.owners))
            detail = f"agency {event.agency!r} may not erase {pid!r} registered by {owners}"
            return await self._dead_letter(msg, "not_owner", detail)
        await self._await_confirmations(msg, event)
        await self.step("confirmed")
        for stream in SECONDARY_STREAMS:
            for sseq, subject, data in await self._find_copies(stream, pid, found.needles):
                await self._redact(stream, sseq, subject, data, event.id, found.needles)
        for iseq, subject, body in found.intake:
            await self._redact_intake(iseq, subject, body, event.id)
        await self.step("redacted")
        await self._complete(event)
        await self.step("completed")
        await msg.ack()
        log.info("erasure completed", redacted=len(found.intake))
        return "completed"

    async def step(self, name: str) -> None:
        if self._step is not None:
            await self._step(name)

    # --- finding ---------------------------------------------------------------------------

    async def _find_intake(self, pid: str, before: int) -> Found:
        found = Found()
        async for m in read_stream(self.js, "INTAKE", PERSONAL_INTAKE):
            if m.seq >= before:
                break
            try:
                body = json.loads(m.data)
            except ValueError:
                continue
            data = body.get("data") if isinstance(body, dict) else None
            if not isinstance(data, dict) or data.get("participant_id") != pid:
                continue
            if m.subject.endswith(".participant.registered"):
                found.owners.add(m.subject.split(".")[1])
            if m.redacted:
                continue  # already redacted (an earlier run, or an earlier request)
            if m.subject.endswith(".evaluation.submitted") and not data.get("comment"):
                continue
            found.intake.append((m.seq, m.subject, body))
            for key in ("email", "phone"):
                if data.get(key):
                    found.needles.add(str(data[key]))
        return found

    async def _find_copies(
        self, stream: str, pid: str, needles: set[str]
    ) -> list[tuple[int, str, bytes]]:
        hits = []
        async for m in read_stream(self.js, stream):
            if m.redacted:
                continue
            text = m.data.decode("utf-8", "replace")
            if stream == "DEADLETTER":
                text += _deadlettered_body(text)
                if _about(text, pid):
                    hits.append((m.seq, m.subject, m.data))
                    continue
            if any(n in text for n in needles):
                hits.append((m.seq, m.subject, m.data))
        return hits

    async def _await_confirmations(self, msg: Msg, event: Event[Any]) -> None:
        waiting = set(self.services)
        while waiting:
            for service in sorted(waiting):
                subject = confirmation_subject(service, event.id)
                try:
                    await self.js.get_last_msg(PRIVACY_STREAM, subject)
                    waiting.discard(service)
                except nats.js.errors.NotFoundError:
                    pass
            if waiting:
                await msg.in_progress()
                await asyncio.sleep(self.poll_seconds)

    # --- redacting -------------------------------------------------------------------------

    async def _redact_intake(self, seq: int, subject: str, body: dict, request_id: str) -> None:
        event = {**body, "data": redacted_data(body["type"], body["data"])}
        record = RedactionRecord(
            stream="INTAKE", seq=seq, subject=subject, request_id=request_id, event=event
        )
        await self._store_and_delete(record)

    async def _redact(
        self, stream: str, seq: int, subject: str, data: bytes, request_id: str, needles: set[str]
    ) -> None:
        event: dict[str, Any] | None = None
        if stream != "DEADLETTER":
            text = data.decode("utf-8", "replace")
            for needle in needles:
                text = text.replace(needle, ERASED_TEXT)
            try:
                event = json.loads(text)
            except ValueError:
                event = None
        record = RedactionRecord(
            stream=stream, seq=seq, subject=subject, request_id=request_id, event=event
        )
        await self._store_and_delete(record)

    async def _store_and_delete(self, record: RedactionRecord) -> None:
        subject = redaction_subject(record.stream, record.seq)
        await self.js.publish(
            subject,
            record.model_dump_json().encode(),
            stream=PRIVACY_STREAM,
            headers={"Nats-Msg-Id": f"redaction:{record.stream}:{record.seq}"},
        )
        await self.step(f"recorded {record.stream} {record.seq}")
        try:
            await self.js.delete_msg(record.stream, record.seq)
        except nats.js.errors.NotFoundError:
            pass  # deleted by an earlier run that stopped before its acknowledgement

    # --- completing ------------------------------------------------------------------------

    async def _complete(self, event: Event[Any]) -> None:
        slots, duties = [], []
        async for m in read_stream(self.js, PRIVACY_STREAM, ("privacy.redaction.>",)):
            record = RedactionRecord.model_validate_json(m.data)
            if record.request_id != event.id:
                continue
            ev = record.event or {}
            slots.append(
                RedactedSlot(
                    stream=record.stream, seq=record.seq, event_id=ev.get("id"), type=ev.get("type")
                )
            )
            if record.stream == "INTAKE" and ev.get("agency") == event.agency:
                duties.append(
                    AgencyDuty(
                        event_id=ev["id"],
                        type=ev["type"],
                        time=ev["time"],
                        fields=direct_fields(ev["type"]),
                    )
                )
        completed = ErasureCompleted(
            participant_id=event.payload.participant_id,
            request_id=event.id,
            reason=event.payload.reason,
            services=list(self.services),
            redacted=slots,
            agency_must_erase=duties,
        )
        envelope = REGISTRY.build(
            completed,
            source="cohort/privacy",
            agency=event.agency,
            subject_id=event.payload.participant_id,
            time=event.time,
            correlationid=event.envelope.correlationid or event.id,
            causationid=event.id,
            event_id=derived_event_id(event.id, "erasure.completed"),
        )
        await self.js.publish(
            f"privacy.completed.{event.agency}",
            envelope.model_dump_json(exclude_none=True).encode(),
            stream=PRIVACY_STREAM,
            headers={"Nats-Msg-Id": envelope.id},
        )

    async def _dead_letter(self, msg: Msg, reason: str, detail: str) -> str:
        meta = msg.metadata
        record = deadletter_record(
            service="privacy",
            consumer="privacy-requests",
            reason=reason,
            detail=detail,
            subject=msg.subject,
            body=msg.data,
            headers=dict(msg.headers or {}),
            stream=meta.stream,
            stream_seq=meta.sequence.stream,
            deliveries=meta.num_delivered,
        )
        await self.js.publish(
            deadletter_subject("privacy", msg.subject),
            json.dumps(record, ensure_ascii=False).encode(),
            stream="DEADLETTER",
            headers={
                "Nats-Msg-Id": f"dl:privacy-requests:INTAKE:{meta.sequence.stream}",
                "Cohort-Reason": reason,
            },
        )
        await msg.ack()
        log.warning("dead-lettered", reason=reason)
        return "dead_lettered"


async def _keep_alive(msg: Msg, every: float = 3.0) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            await msg.in_progress()
        except Exception as exc:  # connection trouble: the request comes back, steps are idempotent
            log.warning("could not extend the ack wait", error=repr(exc))


def _deadlettered_body(text: str) -> str:
    """The original message of a dead-letter record, decoded (it is kept base64)."""
    try:
        record = json.loads(text)
        return base64.b64decode(record.get("body_base64") or "").decode("utf-8", "replace")
    except (ValueError, AttributeError):
        return ""


def _about(text: str, pid: str) -> bool:
    """Whether a dead-lettered intake event is about the participant (by its data)."""
    return json.dumps(pid) in text and ('"participant_id"' in text or '"trainer_id"' in text)
