"""Streams and consumers: provisioned once from `cohort_contracts.streams`, verified at start.

Services attach with `declare=False`; provisioning is an explicit step (`cohort provision`).
nats-py ignores a changed config of an existing durable, so the start-up check compares
the live configuration with the declaration and refuses to start on any difference.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import structlog
from cohort_contracts.streams import ConsumerSpec, StreamSpec, Topology
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import NotFoundError

log = structlog.get_logger(__name__)


class TopologyMismatch(RuntimeError):
    """The live streams or consumers differ from the declaration."""


def stream_config(spec: StreamSpec) -> StreamConfig:
    return StreamConfig(
        name=spec.name,
        description=spec.description,
        subjects=list(spec.subjects),
        retention=RetentionPolicy(spec.retention),
        storage=StorageType(spec.storage),
        max_age=spec.max_age_seconds,
        max_bytes=spec.max_bytes,
        duplicate_window=spec.duplicate_window_seconds,
        num_replicas=spec.replicas,
        allow_msg_schedules=spec.allow_msg_schedules or None,
    )


def consumer_config(spec: ConsumerSpec) -> ConsumerConfig:
    return ConsumerConfig(
        durable_name=spec.durable,
        description=spec.description,
        filter_subjects=list(spec.filter_subjects),
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=spec.ack_wait_seconds,
        max_deliver=spec.max_deliver,
        backoff=list(spec.backoff_seconds) or None,
        max_ack_pending=spec.max_ack_pending,
    )


def _stream_view(cfg: StreamConfig) -> dict[str, Any]:
    return {
        "subjects": sorted(cfg.subjects or []),
        "retention": str(getattr(cfg.retention, "value", cfg.retention)),
        "storage": str(getattr(cfg.storage, "value", cfg.storage)),
        "max_age": float(cfg.max_age or 0),
        "max_bytes": cfg.max_bytes if cfg.max_bytes is not None else -1,
        "duplicate_window": float(cfg.duplicate_window or 0),
        "allow_msg_schedules": bool(cfg.allow_msg_schedules),
        "num_replicas": cfg.num_replicas or 1,
    }


def _consumer_view(cfg: ConsumerConfig) -> dict[str, Any]:
    subjects = cfg.filter_subjects or ([cfg.filter_subject] if cfg.filter_subject else [])
    return {
        "filter_subjects": sorted(subjects),
        "ack_policy": str(getattr(cfg.ack_policy, "value", cfg.ack_policy)),
        "deliver_policy": str(getattr(cfg.deliver_policy, "value", cfg.deliver_policy)),
        "ack_wait": float(cfg.ack_wait or 0),
        "max_deliver": cfg.max_deliver,
        "backoff": [float(b) for b in (cfg.backoff or [])],
        "max_ack_pending": cfg.max_ack_pending,
    }


def _diff(kind: str, name: str, want: dict[str, Any], have: dict[str, Any]) -> list[str]:
    return [
        f"{kind} {name}: {key} is {have[key]!r}, declared {want[key]!r}"
        for key in want
        if want[key] != have.get(key)
    ]


async def provision(js: JetStreamContext, topology: Topology) -> list[str]:
    """Create or update every declared stream and consumer; return what changed."""
    changes: list[str] = []
    for s in topology.streams:
        want = stream_config(s)
        try:
            info = await js.stream_info(s.name)
        except NotFoundError:
            await js.add_stream(want)
            changes.append(f"stream {s.name} created")
            continue
        if _diff("stream", s.name, _stream_view(want), _stream_view(info.config)):
            await js.update_stream(want)
            changes.append(f"stream {s.name} updated")
    for c in topology.consumers:
        want_c = consumer_config(c)
        try:
            cinfo = await js.consumer_info(c.stream, c.durable)
        except NotFoundError:
            await js.add_consumer(c.stream, want_c)
            changes.append(f"consumer {c.stream}/{c.durable} created")
            continue
        if _diff("consumer", c.durable, _consumer_view(want_c), _consumer_view(cinfo.config)):
            await js.add_consumer(c.stream, want_c)  # updates the fields NATS lets change
            changes.append(f"consumer {c.stream}/{c.durable} updated")
    for change in changes:
        log.info("provisioned", change=change)
    return changes


async def verify(
    js: JetStreamContext, streams: Iterable[StreamSpec], consumers: Iterable[ConsumerSpec]
) -> None:
    """Raise `TopologyMismatch` listing every difference from the declaration."""
    problems: list[str] = []
    for s in streams:
        try:
            info = await js.stream_info(s.name)
        except NotFoundError:
            problems.append(f"stream {s.name} is missing")
            continue
        problems += _diff(
            "stream", s.name, _stream_view(stream_config(s)), _stream_view(info.config)
        )
    for c in consumers:
        try:
            cinfo = await js.consumer_info(c.stream, c.durable)
        except NotFoundError:
            problems.append(f"consumer {c.stream}/{c.durable} is missing")
            continue
        problems += _diff(
            "consumer", c.durable, _consumer_view(consumer_config(c)), _consumer_view(cinfo.config)
        )
    if problems:
        raise TopologyMismatch(
            "live JetStream configuration differs from cohort_contracts.streams "
            "(run `cohort provision`): " + "; ".join(problems)
        )
