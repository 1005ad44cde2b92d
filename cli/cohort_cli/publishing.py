"""`cohort publish FILE`: validate CloudEvents (JSON lines) and publish them to intake."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import nats
from cohort_contracts import REGISTRY, ContractError


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


async def publish_lines(nats_url: str, lines: Iterable[tuple[str, str]]) -> PublishReport:
    report = PublishReport()
    nc = await nats.connect(nats_url, connect_timeout=5)
    js = nc.jetstream()
    try:
        for where, line in lines:
            try:
                subject = intake_subject(line)
                event = REGISTRY.parse(line, subject)
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
