"""Wiring of the certification service: its consumers, migrations and HTTP routes."""

from pathlib import Path

from cohort_kit import Router, ServiceDefinition

routers = {name: Router() for name in ("certification-intake", "certification-completions")}

definition = ServiceDefinition(
    name="certification",
    routers=routers,
    migrations=Path(__file__).parent / "migrations",
    publishes_to=("CERTIFICATION",),
)
