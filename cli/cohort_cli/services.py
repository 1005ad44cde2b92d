"""The services: how to find their definitions and run them as processes.

`SERVICES` consume streams and own a database each; `GATEWAYS` (the HTTP ingress) hold no
database and no consumer, so provisioning and the kit's `Runtime` leave them out.
"""

from __future__ import annotations

import importlib

from cohort_kit import ServiceDefinition

SERVICES = ("enrolment", "certification", "notification", "reporting")
GATEWAYS = ("ingress",)
PROCESSES = SERVICES + GATEWAYS  # in HTTP port order: base, base+1, ...


def definition(service: str) -> ServiceDefinition:
    module = importlib.import_module(f"cohort_{service}.app")
    return module.definition  # type: ignore[no-any-return]


def database_name(service: str) -> str:
    return f"cohort_{service}"
