"""Each service's HTTP side: /healthz, /readyz, /metrics, plus the service's own routes.

/healthz is public (a liveness probe says nothing about data); readiness and metrics tell
an outsider what is connected and how busy the network is, so they are for operators.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from .auth import Authenticator, public, require

ReadinessCheck = Callable[[], Awaitable[dict[str, bool]]]


def make_http_app(
    service: str,
    ready: ReadinessCheck,
    *,
    title: str | None = None,
    auth: Authenticator | None = None,
) -> FastAPI:
    app = FastAPI(title=title or f"Cohort {service}", version="1")
    app.state.auth = auth

    @app.get(
        "/healthz",
        tags=["operations"],
        summary="The process is alive.",
        dependencies=[public("liveness probe; no data")],
    )
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": service}

    @app.get(
        "/readyz",
        tags=["operations"],
        summary="Connected to NATS and PostgreSQL.",
        dependencies=[require("ops")],
    )
    async def readyz() -> Response:
        checks = await ready()
        ok = all(checks.values())
        return JSONResponse(
            {"status": "ready" if ok else "not_ready", "checks": checks},
            status_code=200 if ok else 503,
        )

    @app.get(
        "/metrics",
        tags=["operations"],
        summary="Prometheus metrics.",
        dependencies=[require("ops")],
    )
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app
