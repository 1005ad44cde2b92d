"""Wiring of the enrolment service: its consumers, migrations and HTTP routes."""

from pathlib import Path

from cohort_kit import Router, ServiceDefinition

from .api import make_api
from .handlers import intake
from .settings import EnrolmentSettings

definition = ServiceDefinition(
    name="enrolment",
    # Certificates are not used yet; an empty router acknowledges and ignores them.
    routers={"enrolment-intake": intake, "enrolment-certificates": Router()},
    migrations=Path(__file__).parent / "migrations",
    settings_cls=EnrolmentSettings,
    http_routes=make_api,
    publishes_to=("ENROLMENT",),
)
