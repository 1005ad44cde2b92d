"""Wiring of the enrolment service: its consumers, migrations and HTTP routes."""

from pathlib import Path

from cohort_kit import Router, ServiceDefinition

routers = {name: Router() for name in ("enrolment-intake", "enrolment-certificates")}

definition = ServiceDefinition(
    name="enrolment",
    routers=routers,
    migrations=Path(__file__).parent / "migrations",
    publishes_to=("ENROLMENT",),
)
