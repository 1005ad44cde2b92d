"""Wiring of the enrolment service: its consumers, migrations and HTTP routes."""

from pathlib import Path

from cohort_kit import Runtime, ServiceDefinition
from fastapi import APIRouter

from . import erasure
from .api import make_api
from .certificates import certificates
from .handlers import intake
from .page import make_page
from .pagelinks import ISSUER
from .settings import EnrolmentSettings


def routes(runtime: Runtime) -> APIRouter:
    """The read API and the participant page; page links take the runtime's settings."""
    if isinstance(runtime.settings, EnrolmentSettings):
        ISSUER.configure(runtime.settings)
    router = APIRouter()
    router.include_router(make_api(runtime))
    router.include_router(make_page(runtime, ISSUER))
    router.include_router(erasure.access(runtime))
    return router


definition = ServiceDefinition(
    name="enrolment",
    routers={"enrolment-intake": intake, "enrolment-certificates": certificates},
    migrations=Path(__file__).parent / "migrations",
    settings_cls=EnrolmentSettings,
    http_routes=routes,
    publishes_to=("ENROLMENT", "PRIVACY"),
)
