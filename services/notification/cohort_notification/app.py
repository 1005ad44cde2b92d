"""Wiring of the notification service: its consumers, migrations and HTTP routes."""

from pathlib import Path

from cohort_kit import Router, ServiceDefinition

routers = {name: Router() for name in ("notification-intake", "notification-enrolment", "notification-certificates", "notification-reminders")}

definition = ServiceDefinition(
    name="notification",
    routers=routers,
    migrations=Path(__file__).parent / "migrations",
    publishes_to=("NOTIFICATION",),
)
