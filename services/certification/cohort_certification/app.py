"""Wiring of the certification service: its consumers, migrations and HTTP routes."""

from __future__ import annotations

from pathlib import Path

from cohort_kit import Runtime, ServiceDefinition
from fastapi import APIRouter

from . import erasure
from .api import make_api
from .handlers import Certifier
from .settings import CertificationSettings


def build() -> ServiceDefinition:
    """A definition with its own handlers; they take the runtime's settings when it is built."""
    certifier = Certifier()
    erasure.register(certifier.intake)

    def routes(runtime: Runtime) -> APIRouter:
        settings = runtime.settings
        if isinstance(settings, CertificationSettings):
            certifier.settings = settings
        router = make_api(runtime, certifier.settings)
        router.include_router(erasure.access(runtime))
        return router

    return ServiceDefinition(
        name="certification",
        routers={
            "certification-intake": certifier.intake,
            "certification-completions": certifier.completions,
        },
        migrations=Path(__file__).parent / "migrations",
        settings_cls=CertificationSettings,
        http_routes=routes,
        publishes_to=("CERTIFICATION", "PRIVACY"),
    )


definition = build()
