"""Each service's HTTP side: /healthz, /readyz, /metrics, plus the service's own routes.

/healthz is public (a liveness probe says nothing about data); readiness and metrics tell
an outsider what is connected and how busy the network is, so they are for operators.

Hostile requests get a clear 4xx here, in one place, before any route sees them: a path or
query with a control character (NUL reaches PostgreSQL as an error) or that is not UTF-8 is
refused 400; a value the database cannot take (out of range, invalid text) and JSON nested
beyond the parser's depth are 400 too, never a 500.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any
from urllib.parse import unquote_to_bytes

import asyncpg
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from .auth import Authenticator, public, require

ReadinessCheck = Callable[[], Awaitable[dict[str, bool]]]
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
_CONTROLS = frozenset(range(0x20)) | {0x7F}


def unacceptable_target(path: str, raw_query: bytes) -> str | None:
    """Why a request's path or query is refused, or None when it is fine."""
    query = unquote_to_bytes(raw_query.replace(b"+", b" "))
    try:
        query.decode("utf-8")
        path.encode("utf-8")  # an undecodable %XX arrives as a lone surrogate
    except UnicodeError:
        return "the path or query is not valid UTF-8"
    if any(ord(c) in _CONTROLS for c in path) or any(b in _CONTROLS for b in query):
        return "control characters (such as NUL) are not allowed in a path or query"
    return None


class RefuseHostileTargets:
    """ASGI middleware: 400 for a path or query no route should ever see."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            why = unacceptable_target(scope.get("path", ""), scope.get("query_string", b""))
            if why is not None:
                body = json.dumps({"detail": why}).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 400,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


async def _database_refused(request: Request, exc: Exception) -> Response:
    # A value PostgreSQL cannot take (a number out of range, text it cannot store): the
    # request is wrong, not the service.
    return JSONResponse({"detail": "a value in the request is out of range or invalid"}, 400)


async def _too_deep(request: Request, exc: Exception) -> Response:
    return JSONResponse({"detail": "the request body is nested too deeply"}, 400)


def make_http_app(
    service: str,
    ready: ReadinessCheck,
    *,
    title: str | None = None,
    auth: Authenticator | None = None,
) -> FastAPI:
    app = FastAPI(title=title or f"Cohort {service}", version="1")
    app.state.auth = auth
    app.add_middleware(RefuseHostileTargets)
    app.add_exception_handler(asyncpg.DataError, _database_refused)
    app.add_exception_handler(RecursionError, _too_deep)

    @app.get(
        "/healthz",
        tags=["operations"],
        summary="The process is alive.",
        dependencies=[public("liveness probe; no data")],
    )
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": service}

    # What only operators may see (the `ops` scope).
    ops = partial(app.get, tags=["operations"], dependencies=[require("ops")])

    @ops("/readyz", summary="Connected to NATS and PostgreSQL.")
    async def readyz() -> Response:
        checks = await ready()
        ok = all(checks.values())
        return JSONResponse(
            {"status": "ready" if ok else "not_ready", "checks": checks},
            status_code=200 if ok else 503,
        )

    @ops("/metrics", summary="Prometheus metrics.")
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app
