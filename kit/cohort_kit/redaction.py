"""Reading a stream whose messages may have been redacted, so replays stay exact.

The erasure worker securely deletes a message (`delete_msg` overwrites its bytes) only
after a redaction record for its slot is stored on `privacy.redaction.<stream>.<seq>`
(stream PRIVACY). A reader here walks the stream by sequence: a missing sequence is filled
from its record (the same envelope, direct identifiers replaced, see
`cohort_contracts.privacy.redacted_data`), and a missing sequence with no record raises
`UnexplainedGap`: a rebuild must never decide on a log that lost something silently.

Age or size limits only ever remove messages from the front; a stream without limits
(INTAKE) must explain every sequence from 1. Streams from which messages are removed on
purpose (NOTIFICATION purges cancelled reminder schedules; operators may purge replayed
dead-letters) are read leniently: a gap there is only filled when a record explains it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from dataclasses import dataclass

import nats.errors
import nats.js.errors
from cohort_contracts.privacy import RedactionRecord
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

PRIVACY_STREAM = "PRIVACY"
BATCH = 500
# Streams whose messages leave only by redaction: every gap must be explained.
STRICT_STREAMS = frozenset({"INTAKE", "ENROLMENT", "CERTIFICATION", "PRIVACY"})


class UnexplainedGap(Exception):
    """A sequence is missing from a stream and no redaction record explains it."""


@dataclass(frozen=True)
class StreamMessage:
    seq: int
    subject: str
    data: bytes
    redacted: bool = False


def redaction_subject(stream: str, seq: int) -> str:
    return f"privacy.redaction.{stream}.{seq}"


def subject_matches(pattern: str, subject: str) -> bool:
    """NATS wildcard matching (`*` one token, `>` the rest)."""
    want, have = pattern.split("."), subject.split(".")
    for i, token in enumerate(want):
        if token == ">":
            return len(have) > i
        if i >= len(have) or (token != "*" and token != have[i]):
            return False
    return len(want) == len(have)


async def redaction_record(js: JetStreamContext, stream: str, seq: int) -> RedactionRecord | None:
    try:
        msg = await js.get_last_msg(PRIVACY_STREAM, redaction_subject(stream, seq))
    except nats.js.errors.NotFoundError:
        return None
    return RedactionRecord.model_validate_json(msg.data or b"")


async def read_stream(
    js: JetStreamContext,
    stream: str,
    filters: tuple[str, ...] = (">",),
    *,
    strict: bool | None = None,
) -> AsyncGenerator[StreamMessage, None]:
    """Every message of `stream` up to its last sequence now, in order, redacted slots
    filled from their records; only those whose subject matches one of `filters`."""
    strict = stream in STRICT_STREAMS if strict is None else strict
    info = await js.stream_info(stream)
    first, last = info.state.first_seq, info.state.last_seq
    cfg = info.config
    trimmed_front_allowed = bool(
        (cfg.max_age or 0) > 0 or (cfg.max_bytes or -1) > 0 or (cfg.max_msgs or -1) > 0
    )
    expected = 1

    async def fill(upto: int) -> AsyncGenerator[StreamMessage, None]:
        nonlocal expected
        for seq in range(expected, upto):
            record = await redaction_record(js, stream, seq)
            if record is None:
                if not strict or (trimmed_front_allowed and seq < first):
                    continue
                raise UnexplainedGap(
                    f"{stream} sequence {seq} is missing and no redaction record explains it"
                )
            if record.event is not None and any(
                subject_matches(f, record.subject) for f in filters
            ):
                body = json.dumps(record.event, ensure_ascii=False).encode()
                yield StreamMessage(seq, record.subject, body, redacted=True)
        expected = max(expected, upto)

    if info.state.messages:
        sub = await js.pull_subscribe(
            cfg.subjects[0] if cfg.subjects else ">",
            stream=stream,
            config=ConsumerConfig(
                ack_policy=AckPolicy.NONE,
                deliver_policy=DeliverPolicy.ALL,
                filter_subjects=list(cfg.subjects or []) if len(cfg.subjects or []) > 1 else None,
                inactive_threshold=30.0,
            ),
        )
        try:
            while expected <= last:
                try:
                    msgs = await sub.fetch(BATCH, timeout=2.0)
                except nats.errors.TimeoutError:
                    break
                for msg in msgs:
                    seq = msg.metadata.sequence.stream
                    async for filled in fill(seq):
                        yield filled
                    expected = seq + 1
                    if any(subject_matches(f, msg.subject) for f in filters):
                        yield StreamMessage(seq, msg.subject, msg.data)
        finally:
            await sub.unsubscribe()
    async for filled in fill(last + 1):
        yield filled
