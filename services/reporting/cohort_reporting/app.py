"""Wiring of the reporting service: its consumers, migrations and HTTP routes."""

from pathlib import Path

from cohort_kit import Router, ServiceDefinition

routers = {name: Router() for name in ("reporting-intake", "reporting-enrolment", "reporting-certification", "reporting-notification", "reporting-ticks")}

definition = ServiceDefinition(
    name="reporting",
    routers=routers,
    migrations=Path(__file__).parent / "migrations",
    publishes_to=("REPORTS", "REPORTING",),
)
