"""Wiring of the enrolment service: its consumers, dependencies, migrations and routes."""

from pathlib import Path

from cohort_kit import Runtime, ServiceDefinition
from fastapi import APIRouter

from . import deps, erasure
from .api import make_api
from .certificates import certificates
from .handlers import intake
from .participant.page import make_page
from .settings import EnrolmentSettings


def routes(runtime: Runtime) -> APIRouter:
    """The read API and the participant page (page links from the runtime's deps)."""
    router = APIRouter()
    router.include_router(make_api(runtime))
    router.include_router(make_page(runtime, runtime.deps.links))
    router.include_router(erasure.access(runtime))
    return router


definition = ServiceDefinition(
    name="enrolment",
    routers={"enrolment-intake": intake, "enrolment-certificates": certificates},
    migrations=Path(__file__).parent / "migrations",
    settings_cls=EnrolmentSettings,
    deps=deps.build,
    http_routes=routes,
    publishes_to=("ENROLMENT", "PRIVACY"),
)
