"""Wiring of the certification service: its consumers, dependencies, migrations and routes."""

from __future__ import annotations

from pathlib import Path

from cohort_kit import Runtime, ServiceDefinition
from fastapi import APIRouter

from . import deps, erasure, workers
from .api import make_api
from .handlers import completions, intake
from .settings import CertificationSettings

erasure.register(intake)


def routes(runtime: Runtime) -> APIRouter:
    router = make_api(runtime, runtime.deps.settings)
    router.include_router(erasure.access(runtime))
    return router


definition = ServiceDefinition(
    name="certification",
    routers={"certification-intake": intake, "certification-completions": completions},
    migrations=Path(__file__).parent / "migrations",
    settings_cls=CertificationSettings,
    deps=deps.build,
    http_routes=routes,
    background=[workers.lifetime],
    publishes_to=("CERTIFICATION", "PRIVACY"),
)
