"""`cohort deadletters list|show|replay`: inspect dead-letters and replay them after a fix.

Replay re-validates each original against today's contracts, republishes it to its subject
and then records the replay (who, when, where it went) on `deadletter.replayed.<stream>.<seq>`
in DEADLETTER itself. An original is replayed once: its replay record is checked first, and
the republish carries `Nats-Msg-Id: replay:<stream>:<seq>`, so a replay interrupted before its
record was written and run again is absorbed by the stream's duplicate window (and beyond it
by the consumers' inboxes, which key on the event's own source and id).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cohort_contracts import REGISTRY, ContractError
from cohort_contracts.streams import DEADLETTER
from cohort_kit.deadletter import Parked, read_parked
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError


@dataclass(frozen=True)
class Filters:
    service: str | None = None
    reason: str | None = None
    agency: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    seqs: tuple[int, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.service or self.reason or self.agency or self.since or self.until) and (
            not self.seqs
        )

    def matches(self, p: Parked) -> bool:
        r = p.record
        at = _time(r.get("dead_lettered_at"))
        return (
            (not self.seqs or p.seq in self.seqs)
            and (self.service is None or r.get("service") == self.service)
            and (self.reason is None or r.get("reason") == self.reason)
            and (self.agency is None or p.agency == self.agency)
            and (self.until is None or (at is not None and at <= self.until))
        )


@dataclass(frozen=True)
class Replay:
    parked: Parked
    outcome: str  # replayed | already_replayed | still_invalid
    detail: str


def original_key(p: Parked) -> str:
    """`<stream>.<seq>` of the message that was dead-lettered (several consumers may have
    parked the same one; it is replayed once)."""
    stream, seq = p.record.get("stream"), p.record.get("stream_seq")
    return f"{stream}.{seq}" if stream and seq is not None else f"DEADLETTER.{p.seq}"


def marker_subject(p: Parked) -> str:
    return f"deadletter.replayed.{original_key(p)}"


async def find(js: JetStreamContext, filters: Filters) -> list[Parked]:
    return [p for p in await read_parked(js, since=filters.since) if filters.matches(p)]


async def replay_record(js: JetStreamContext, p: Parked) -> dict[str, Any] | None:
    try:
        msg = await js.get_last_msg(DEADLETTER.name, marker_subject(p))
    except NotFoundError:
        return None
    return json.loads(msg.data or b"null")  # type: ignore[no-any-return]


async def replay(js: JetStreamContext, parked: list[Parked], by: str) -> list[Replay]:
    done: list[Replay] = []
    seen: set[str] = set()
    for p in parked:
        key = original_key(p)
        if key in seen:
            continue
        seen.add(key)
        earlier = await replay_record(js, p)
        if earlier is not None:
            when, who = earlier["replayed_at"], earlier["by"]
            done.append(Replay(p, "already_replayed", f"on {when} by {who}"))
            continue
        subject = p.record["subject"]
        body = base64.b64decode(p.record["body_base64"])
        try:
            event = REGISTRY.parse(body, subject)
        except ContractError as exc:
            done.append(Replay(p, "still_invalid", str(exc)))
            continue
        ack = await js.publish(subject, body, headers={"Nats-Msg-Id": f"replay:{key}"})
        record = {
            "replayed_at": datetime.now(UTC).isoformat(),
            "by": by,
            "deadletter_seq": p.seq,
            "original": {"key": key, "subject": subject, "id": event.id, "type": event.type},
            "republished": {"stream": ack.stream, "seq": ack.seq, "duplicate": ack.duplicate},
        }
        await js.publish(
            marker_subject(p),
            json.dumps(record).encode(),
            headers={"Nats-Msg-Id": f"replayed:{key}"},
        )
        done.append(Replay(p, "replayed", f"to {subject} as {ack.stream} seq {ack.seq}"))
    return done


def summary(p: Parked, replayed: dict[str, Any] | None) -> str:
    r = p.record
    event_id = "?"
    try:
        event_id = json.loads(r.get("body_text") or "{}").get("id", "?")
    except (ValueError, AttributeError):
        pass
    mark = f"  replayed by {replayed['by']} {replayed['replayed_at']}" if replayed else ""
    return (
        f"{p.seq:>6}  {r.get('dead_lettered_at', '')[:19]}  {r.get('service', ''):<13} "
        f"{r.get('reason', ''):<20} {r.get('subject', '')}  id={event_id}{mark}"
    )


def _time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


async def command(
    nats_url: str, action: str, filters: Filters, by: str, dry_run: bool = False
) -> int:
    """The `cohort deadletters` command; prints, returns the exit code."""
    import nats

    nc = await nats.connect([u.strip() for u in nats_url.split(",")], connect_timeout=5)
    js = nc.jetstream()
    try:
        found = await find(js, filters)
        if action == "list":
            for p in found:
                print(summary(p, await replay_record(js, p)))
            print(f"{len(found)} dead-letters")
            return 0
        if action == "show":
            if not found:
                print("no such dead-letter")
                return 1
            for p in found:
                print(json.dumps({"seq": p.seq, **p.record}, indent=2, ensure_ascii=False))
                print("replay:", json.dumps(await replay_record(js, p)))
            return 0
        if filters.empty:
            print("name dead-letters to replay (sequences or --service/--reason/--agency/...)")
            return 2
        if dry_run:
            for p in found:
                print("would replay", summary(p, await replay_record(js, p)))
            return 0
        results = await replay(js, found, by)
        for r in results:
            print(f"{r.outcome:<16} {r.parked.seq:>6} {original_key(r.parked)}: {r.detail}")
        replayed = sum(r.outcome == "replayed" for r in results)
        invalid = sum(r.outcome == "still_invalid" for r in results)
        print(
            f"replayed {replayed}, already replayed {len(results) - replayed - invalid}, "
            f"still invalid {invalid}"
        )
        return 1 if invalid else 0
    finally:
        await nc.drain()
