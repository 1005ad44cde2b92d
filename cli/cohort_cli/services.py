"""The four services: how to find their definitions and run them as processes."""

from __future__ import annotations

import importlib

from cohort_kit import ServiceDefinition

SERVICES = ("enrolment", "certification", "notification", "reporting")


def definition(service: str) -> ServiceDefinition:
    module = importlib.import_module(f"cohort_{service}.app")
    return module.definition  # type: ignore[no-any-return]


def database_name(service: str) -> str:
    return f"cohort_{service}"
