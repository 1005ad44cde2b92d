"""`cohort privacy ...`: the erasure worker, the access export, the retention sweeper.

- `worker` runs `cohort_kit.eraser.ErasureWorker` (NATS user `privacy`; docs/privacy.md).
- `export` gathers what every service holds about one participant into one JSON document
  (each service answers `GET /privacy/participants/{participant_id}` to the agency's token).
- `sweep` publishes `retention_expired` erasure requests for participants whose last
  INTAKE activity is older than their agency's period for a swept record type (`contacts`,
  `training_records`; `logs` belong to the log store), docs/operations.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import nats
import yaml
from cohort_contracts import REGISTRY, encode
from cohort_contracts.privacy import ParticipantErasureRequested
from cohort_kit.eraser import ErasureWorker
from cohort_kit.outbox import derived_event_id
from cohort_kit.redaction import read_stream


async def run_worker(nats_url: str, stop: asyncio.Event | None = None) -> None:
    """Until `stop` (or SIGTERM/SIGINT): a request in hand is finished or comes back later,
    since it is acknowledged only once its completion is stored."""
    nc = await nats.connect(
        [u.strip() for u in nats_url.split(",")], max_reconnect_attempts=-1, reconnect_time_wait=1
    )
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
    beat = os.environ.get("COHORT_HEARTBEAT_PATH")
    alive = asyncio.ensure_future(_heartbeat(nc, Path(beat))) if beat else None
    try:
        await ErasureWorker(nc.jetstream()).run(stop)
    finally:
        if alive is not None:
            alive.cancel()
        await nc.drain()


async def _heartbeat(nc: Any, path: Path, every: float = 5.0) -> None:
    """Touch `path` while connected: the container's health check reads its age (the
    worker has no HTTP port)."""
    while True:
        if nc.is_connected:
            await asyncio.to_thread(path.touch)
        await asyncio.sleep(every)


async def demo_erasure(
    nats_url: str, agency: str, participant_id: str, timeout: float = 90.0
) -> Any:
    """`cohort demo`: ask to erase one sample participant and wait for the completion the
    agency would receive (its id is fixed, so a second demo finds the first one's)."""
    from .stack import say

    request_id = derived_event_id(f"demo-erasure:{agency}:{participant_id}", "v1")
    envelope = REGISTRY.build(
        ParticipantErasureRequested(participant_id=participant_id, reason="data_subject_request"),
        source=f"{agency}/demo",
        agency=agency,
        subject_id=participant_id,
        event_id=request_id,
    )
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        say(f"erasing {participant_id} at {agency}'s request (participant.erasure_requested.v1)")
        await js.publish(
            f"intake.{agency}.participant.erasure_requested",
            encode(envelope),
            stream="INTAKE",
            headers={"Nats-Msg-Id": request_id},
        )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            completions = read_stream(js, "PRIVACY", (f"privacy.completed.{agency}",))
            async with contextlib.aclosing(completions) as stored:  # closed before the drain
                found = [json.loads(m.data)["data"] async for m in stored]
            for data in found:
                if data["request_id"] == request_id:
                    slots = ", ".join(f"{s['stream']} #{s['seq']}" for s in data["redacted"])
                    say(f"  every service forgot them ({', '.join(data['services'])})")
                    say(f"  redacted in the streams: {slots or 'nothing left to redact'}")
                    say(
                        f"  {agency} must erase its own copies of "
                        f"{len(data['agency_must_erase'])} events (privacy.completed.{agency})"
                    )
                    return data
            await asyncio.sleep(0.5)
        say(f"  the erasure did not complete within {timeout:.0f}s")
        return None
    finally:
        await nc.drain()


async def export(
    agency: str, participant_id: str, services: dict[str, str], token: str
) -> dict[str, Any]:
    """One document: each service's part under its name (services: name -> base URL).

    `token` is the agency's bearer token: each service answers only the agency that
    registered the participant (404 for anyone else)."""
    out: dict[str, Any] = {"participant_id": participant_id, "agency": agency, "services": {}}
    auth = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(timeout=30.0, headers=auth) as client:
        for name, base in services.items():
            r = await client.get(f"{base.rstrip('/')}/privacy/participants/{participant_id}")
            r.raise_for_status()
            out["services"][name] = r.json()
    return out


RECORD_TYPES = ("contacts", "training_records", "logs")
# The types the sweeper acts on: each expiry becomes a `retention_expired` erasure request in
# INTAKE. `logs` are kept by the log store, which applies its own period (docs/operations.md).
SWEPT = ("contacts", "training_records")


@dataclass(frozen=True)
class Due:
    agency: str
    participant_id: str
    last_activity: datetime
    record_type: str  # the type whose period ran out first


def load_retention(path: Path) -> dict[str, dict[str, int]]:
    """`{agency: {record type: days}}`; an unknown type or a period under one day is refused
    (a typo must not silently keep data forever)."""
    data = yaml.safe_load(path.read_text()) or {}
    out: dict[str, dict[str, int]] = {}
    for agency, periods in data.items():
        out[str(agency)] = {}
        for kind, days in (periods or {}).items():
            if kind not in RECORD_TYPES:
                raise ValueError(f"{path}: {agency}: unknown record type {kind!r}")
            if int(days) < 1:
                raise ValueError(f"{path}: {agency}: {kind} must be at least 1 day")
            out[str(agency)][str(kind)] = int(days)
    return out


def due(
    activity: dict[tuple[str, str], datetime],
    erased: dict[tuple[str, str], datetime],
    retention: dict[str, dict[str, int]],
    now: datetime,
) -> list[Due]:
    """Participants with a swept record type past its period and not erased since their last
    activity, in (agency, participant) order. Pure, so a test can drive it with any clock."""
    out = []
    for (agency, pid), last in sorted(activity.items()):
        periods = retention.get(agency, {})
        expired = [
            (days, kind)
            for kind in SWEPT
            if (days := periods.get(kind)) is not None and now - last >= timedelta(days=days)
        ]
        if not expired:
            continue
        if (agency, pid) in erased and erased[(agency, pid)] >= last:
            continue
        out.append(Due(agency, pid, last, min(expired)[1]))
    return out


async def sweep(nats_url: str, retention: dict[str, dict[str, int]], now: datetime) -> list[Due]:
    """Publish the due requests in (agency, participant) order, each at its own position in
    INTAKE (PubAck awaited before the next), timed `now`. A request's id derives from the
    participant and its last activity, so a sweep run twice asks once."""
    nc = await nats.connect([u.strip() for u in nats_url.split(",")])
    published = []
    try:
        js = nc.jetstream()
        activity, erased = await _activity(js)
        for d in due(activity, erased, retention, now):
            event_id = derived_event_id(
                f"retention:{d.agency}:{d.participant_id}", d.last_activity.isoformat()
            )
            envelope = REGISTRY.build(
                ParticipantErasureRequested(
                    participant_id=d.participant_id, reason="retention_expired"
                ),
                source="cohort/privacy",
                agency=d.agency,
                subject_id=d.participant_id,
                time=now,
                event_id=event_id,
            )
            await js.publish(
                f"intake.{d.agency}.participant.erasure_requested",
                encode(envelope),
                stream="INTAKE",
                headers={"Nats-Msg-Id": event_id},
            )
            published.append(d)
    finally:
        await nc.drain()
    return published


async def _activity(js: Any) -> tuple[dict, dict]:
    """Last INTAKE activity and last erasure request per (agency, participant)."""
    activity: dict[tuple[str, str], datetime] = {}
    erased: dict[tuple[str, str], datetime] = {}
    async for m in read_stream(js, "INTAKE"):
        try:
            body = json.loads(m.data)
            pid = (body.get("data") or {}).get("participant_id")
            at = datetime.fromisoformat(body["time"])
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
        if not pid:
            continue
        key = (m.subject.split(".")[1], pid)
        target = erased if m.subject.endswith(".participant.erasure_requested") else activity
        target[key] = max(at, target.get(key, at))
    return activity, erased


def service_urls(pairs: Iterable[str]) -> dict[str, str]:
    """`name=url` pairs."""
    return dict(p.split("=", 1) for p in pairs)
