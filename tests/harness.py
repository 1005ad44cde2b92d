"""Helpers the tests share: publishing intake events, reading streams, waiting."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from nats.js import JetStreamContext


def docker_available() -> bool:
    try:
        import docker

        docker.from_env(timeout=2).ping()
        return True
    except Exception:
        return False


async def publish_raw(
    js: JetStreamContext, subject: str, body: bytes, msg_id: str | None = None
) -> Any:
    headers = {"Nats-Msg-Id": msg_id} if msg_id else None
    return await js.publish(subject, body, headers=headers)


async def publish_event(
    js: JetStreamContext, event: dict[str, Any], subject: str | None = None
) -> Any:
    """Publish a CloudEvent dict on its intake subject, with `Nats-Msg-Id` = id."""
    if subject is None:
        name = event["type"].rsplit(".", 1)[0]
        subject = f"intake.{event['agency']}.{name}"
    return await publish_raw(js, subject, json.dumps(event).encode(), event["id"])


async def read_stream(js: JetStreamContext, stream: str, subject: str | None = None) -> list[Any]:
    """Every message currently stored in `stream` (optionally one subject), in order."""
    info = await js.stream_info(stream)
    out = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        if info.state.messages == 0:
            break
        try:
            msg = await js.get_msg(stream, seq)
        except Exception:
            continue
        if subject is None or msg.subject == subject:
            out.append(msg)
    return out


async def eventually(
    check: Callable[[], Awaitable[Any]], timeout: float = 20.0, interval: float = 0.05
) -> Any:
    """Poll `check` until it returns a truthy value; fail with its last value."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last: Any = None
    while loop.time() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s; last value: {last!r}")
