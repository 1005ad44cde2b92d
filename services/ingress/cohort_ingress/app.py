"""Wiring of the ingress: the kit's HTTP app, the intake routes, problem+json errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cohort_kit.auth import authenticator_from_settings, undeclared_routes
from cohort_kit.http import make_http_app
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse

from .api import make_api
from .problems import Problem

if TYPE_CHECKING:
    from .runtime import Ingress


def make_app(ingress: Ingress) -> FastAPI:
    auth = authenticator_from_settings(ingress.settings)
    app = make_http_app("ingress", ingress.readiness, title="Cohort ingress", auth=auth)
    app.router.redirect_slashes = False  # never a 3xx (CloudEvents webhook spec)
    app.include_router(make_api(ingress))
    # Deny by default, as in every service: a route without an access rule is a bug.
    if missing := undeclared_routes(app):
        raise RuntimeError(f"ingress: routes without an access rule: {missing}")

    @app.exception_handler(Problem)
    async def problem(request: Request, exc: Problem) -> JSONResponse:
        return exc.response(instance=request.url.path)

    @app.exception_handler(HTTPException)
    async def http_problem(request: Request, exc: HTTPException) -> JSONResponse:
        # The kit's 401/403 (RFC 6750, with WWW-Authenticate) as problem+json too.
        reason = "insufficient_scope" if exc.status_code == 403 else None
        as_problem = Problem(
            exc.status_code, str(exc.detail), reason=reason, headers=dict(exc.headers or {})
        )
        return as_problem.response(instance=request.url.path)

    return app
