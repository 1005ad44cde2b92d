"""Every service's routes with NUL bytes, broken UTF-8 and odd values in the path and the
query: a clear 4xx, never a 500 (against real NATS and PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from cohort_kit import Runtime

from tests.conftest import fresh_database

pytestmark = pytest.mark.integration

# Raw (already percent-encoded) values: NUL, other controls, broken UTF-8, a lone surrogate,
# numbers and dates out of every range, very long, traversal, bidi override.
HOSTILE = [
    "%00",
    "a%00b",
    "%01%1F%7F",
    "%FF%FE",
    "%ED%A0%80",
    "%C0%80",
    "99999999999999999999999",
    "-2147483649",
    "1e309",
    "NaN",
    "9999-99-99",
    "0000-01-01",
    "%2e%2e%2f%2e%2e%2fetc",
    "%E2%80%AE",
    "x" * 5000,
    "country%3ACOM%00",
]


def runtime_of(service: str, nats_url: str, database_url: str) -> Runtime:
    if service == "enrolment":
        from tests.enrolment import builders

        return builders.runtime(nats_url, database_url, public_base_url="http://127.0.0.1:1")
    if service == "certification":
        from cohort_certification.app import definition

        from tests.certification.test_service import settings

        return Runtime(definition, settings(nats_url, database_url))
    if service == "notification":
        from cohort_notification.app import definition as notification

        from tests.notification.test_service import settings as notification_settings

        s = notification_settings(nats_url, database_url, 9)
        return Runtime(notification, s)
    from cohort_reporting.app import definition

    from tests.reporting.conftest import reporting_settings

    return Runtime(definition, reporting_settings(nats_url, database_url))


@pytest.fixture(params=["enrolment", "certification", "notification", "reporting"])
async def service(request, js, nats_url: str, pg_admin_dsn: str) -> AsyncIterator[Runtime]:
    async with fresh_database(pg_admin_dsn) as database_url:
        runtime = runtime_of(request.param, nats_url, database_url)
        await runtime.start()
        try:
            yield runtime
        finally:
            await runtime.stop()


def targets(runtime: Runtime) -> list[tuple[str, str, list[str]]]:
    """(method, path template, query parameter names) of every route in its OpenAPI."""
    found = []
    for path, operations in runtime.http_app.openapi()["paths"].items():
        for method, operation in operations.items():
            params = operation.get("parameters", [])
            query = [p["name"] for p in params if p["in"] == "query"]
            found.append((method.upper(), path, query))
    return found


def urls(path: str, query: list[str], value: str) -> list[str]:
    """The route with `value` in each path parameter, then in each query parameter."""
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    filled = path
    for name in names:
        filled = filled.replace("{" + name + "}", value)
    out = [filled] if names else []
    plain = path
    for name in names:
        plain = plain.replace("{" + name + "}", "x")
    out += [f"{plain}?{q}={value}" for q in query]
    return out


async def test_no_route_answers_500_to_hostile_paths_and_queries(service: Runtime):
    """Every route with every hostile value: 4xx with a message; NUL is refused by the kit."""
    failures: list[str] = []
    transport = httpx.ASGITransport(app=service.http_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        tried = 0
        for method, path, query in targets(service):
            for value in HOSTILE:
                for url in urls(path, query, value):
                    tried += 1
                    # httpx would re-encode: send the raw target as a client on the wire does
                    request = http.build_request(method, "http://test/")
                    request.url = request.url.copy_with(raw_path=url.encode())
                    answer = await http.send(request)
                    if answer.status_code >= 500:
                        failures.append(f"{method} {url[:80]} -> {answer.status_code}")
                    elif 400 <= answer.status_code < 500:
                        assert answer.text, url  # a message, not an empty refusal
        # NUL in a path or query: refused before any route, with a clear message.
        for raw in (b"/healthz?x=%00", b"/healthz%00", b"/readyz?%FF=1"):
            request = http.build_request("GET", "http://test/")
            request.url = request.url.copy_with(raw_path=raw)
            answer = await http.send(request)
            assert answer.status_code == 400, raw
            detail: Any = answer.json()["detail"]
            assert "path or query" in detail, detail
    assert tried > 20
    assert not failures, "\n".join(failures)
