"""Deny by default: every route of every service declares who may call it, and the route
table in docs/security.md is the one the code has."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from cohort_kit import Runtime, ServiceDefinition
from cohort_kit.auth import route_table, undeclared_routes
from fastapi import APIRouter

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("enrolment", "certification", "notification", "reporting")


def runtime(service: str) -> Runtime:
    definition = importlib.import_module(f"cohort_{service}.app").definition
    return Runtime(definition, definition.settings_cls())


@pytest.mark.parametrize("service", SERVICES)
def test_every_route_declares_a_rule(service: str) -> None:
    app = runtime(service).http_app
    assert undeclared_routes(app) == []
    table = {(m, p): rule for m, p, rule in route_table(app)}
    # The OpenAPI document lists nothing the walk missed, and tells clients which routes
    # want a bearer token.
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            rule = table[(method.upper(), path)]
            wants_token = operation.get("security") == [{"HTTPBearer": []}]
            assert wants_token != rule.startswith("public"), (method, path, rule)
    assert ("GET", "/metrics") in table and ("GET", "/readyz") in table


def test_a_service_with_a_route_without_a_rule_does_not_start() -> None:
    def routes(_: Runtime) -> APIRouter:
        router = APIRouter()

        @router.get("/forgotten")
        async def forgotten() -> dict[str, str]:
            return {}

        return router

    definition = ServiceDefinition(
        name="probe", routers={}, migrations=ROOT / "tests", http_routes=routes
    )
    with pytest.raises(RuntimeError, match="GET /forgotten"):
        Runtime(definition, definition.settings_cls())


def test_the_route_table_in_the_docs_is_the_code_s() -> None:
    docs = (ROOT / "docs" / "security.md").read_text()
    for service in SERVICES:
        for methods, path, rule in route_table(runtime(service).http_app):
            row = f"| {service} | `{methods} {path}` | {rule} |"
            assert row in docs, row
