"""Wiring of the ingress: the kit's HTTP app, the intake routes, problem+json errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cohort_kit.http import make_http_app
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from .api import make_api
from .identity import TokenVerifier
from .problems import Problem

if TYPE_CHECKING:
    from .runtime import Ingress


def make_app(ingress: Ingress) -> FastAPI:
    app = make_http_app("ingress", ingress.readiness, title="Cohort ingress")
    app.router.redirect_slashes = False  # never a 3xx (CloudEvents webhook spec)
    app.state.verifier = TokenVerifier(ingress.settings)
    app.include_router(make_api(ingress))

    @app.exception_handler(Problem)
    async def problem(request: Request, exc: Problem) -> JSONResponse:
        return exc.response(instance=request.url.path)

    return app
