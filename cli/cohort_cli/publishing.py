"""`cohort publish FILE`: validate CloudEvents (JSON lines) and publish them to intake."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nats
from cohort_contracts import REGISTRY, ContractError, Event, limits
from cohort_kit import ServiceSettings
from cohort_kit.consumer import MessageLimits


@dataclass
class PublishReport:
    published: int = 0
    duplicates: int = 0
    rejected: list[str] = field(default_factory=list)


def read_lines(paths: Iterable[Path]) -> Iterator[tuple[str, str]]:
    """(where, line) for every non-blank line of every file (directories: *.jsonl sorted)."""
    for path in paths:
        files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
        for file in files:
            for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
                if line.strip():
                    yield f"{file.name}:{number}", line


def intake_subject(line: str) -> str:
    """The subject an agency would publish this line on (from its own type and agency)."""
    raw = json.loads(line)
    return f"intake.{raw.get('agency')}.{str(raw.get('type', '')).rsplit('.', 1)[0]}"


# The edge keeps the consumers' own size and depth limits: what it lets through, they take.
Bounds = MessageLimits


def environment_bounds() -> Bounds:
    """The consumers' limits as configured (`COHORT_MAX_MESSAGE_BYTES`, `..._JSON_DEPTH`)."""
    s = ServiceSettings()
    return Bounds(max_bytes=s.max_message_bytes, max_depth=s.max_json_depth)


def validate(line: str, bounds: Bounds) -> tuple[str, Event[Any]]:
    """(subject, event) for a line, or a `ContractError` as the consumers would raise it.

    The bounds come first: reading the subject parses the line, and a line nested 10,000
    deep would make that parser fail outside the contract's errors. Validation is strict: a
    field the contracts do not know is refused here, at the edge (consumers would ignore it).
    """
    limits.check(line, max_bytes=bounds.max_bytes, max_depth=bounds.max_depth)
    subject = intake_subject(line)
    return subject, REGISTRY.parse(
        line, subject, max_bytes=bounds.max_bytes, max_depth=bounds.max_depth, strict=True
    )


async def publish_lines(
    nats_url: str, lines: Iterable[tuple[str, str]], bounds: Bounds | None = None
) -> PublishReport:
    bounds = bounds or environment_bounds()
    report = PublishReport()
    nc = await nats.connect(nats_url, connect_timeout=5)
    js = nc.jetstream()
    try:
        for where, line in lines:
            try:
                subject, event = validate(line, bounds)
            except ContractError as exc:
                report.rejected.append(f"{where}: {exc}")
                continue
            except (ValueError, AttributeError) as exc:
                report.rejected.append(f"{where}: not_json: {exc}")
                continue
            if not event.spec.is_intake:
                report.rejected.append(f"{where}: {event.type} is a network event, not intake")
                continue
            ack = await js.publish(
                subject, line.strip().encode(), headers={"Nats-Msg-Id": event.id}
            )
            if ack.duplicate:
                report.duplicates += 1
            else:
                report.published += 1
    finally:
        await nc.drain()
    return report


async def post_lines(
    url: str,
    token: str | None,
    lines: Iterable[tuple[str, str]],
    batch: int = 100,
    attempts: int = 5,
) -> PublishReport:
    """Send the lines through the ingress in batches; resend what it could not store yet."""
    import asyncio

    import httpx

    report = PublishReport()
    endpoint = (
        url.rstrip("/")
        if url.rstrip("/").endswith("/v1/events")
        else url.rstrip("/") + "/v1/events"
    )
    headers = {"Content-Type": "application/cloudevents-batch+json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    pending: list[tuple[str, object]] = []
    for where, line in lines:
        try:
            pending.append((where, json.loads(line)))
        except ValueError as exc:
            report.rejected.append(f"{where}: not_json: {exc}")
    async with httpx.AsyncClient(timeout=60) as client:
        for start in range(0, len(pending), batch):
            chunk = pending[start : start + batch]
            for attempt in range(attempts):
                answer = await client.post(
                    endpoint, content=json.dumps([e for _, e in chunk]), headers=headers
                )
                if answer.status_code in (429, 503) and attempt + 1 < attempts:
                    await asyncio.sleep(float(answer.headers.get("retry-after", "1")))
                    continue
                if answer.status_code != 200:
                    raise RuntimeError(f"{endpoint}: {answer.status_code} {answer.text[:500]}")
                retry: list[tuple[str, object]] = []
                for (where, event), result in zip(chunk, answer.json()["results"], strict=True):
                    status = result["status"]
                    if status == "accepted":
                        report.published += 1
                    elif status == "duplicate":
                        report.duplicates += 1
                    elif status == "rejected":
                        error = result["error"]
                        report.rejected.append(f"{where}: {error['code']}: {error['detail']}")
                    else:
                        retry.append((where, event))
                if not retry:
                    break
                chunk = retry
                await asyncio.sleep(float(answer.headers.get("retry-after", "1")))
            else:
                report.rejected += [
                    f"{where}: not stored after {attempts} attempts" for where, _ in chunk
                ]
    return report
