"""The classification gate (Moodle's `test_all_providers_compliant`, for Cohort).

Every field of every event and every column of every service's tables is classified in
`cohort_contracts.classification`; every direct identifier has an erase path: a
placeholder in a redacted intake event, or a column its service's erasure duty clears.
"""

from __future__ import annotations

import importlib

import asyncpg
import pytest
from cohort_contracts import REGISTRY
from cohort_contracts.classification import DIRECT, EVENT_FIELDS, NONE, QUASI, STAFF, TABLES
from cohort_contracts.privacy import redacted_data
from cohort_kit.db import migrate, service_migrations

from tests.conftest import fresh_database

CLASSES = {DIRECT, QUASI, NONE}
SERVICES = ("enrolment", "certification", "notification", "reporting")


@pytest.mark.unit
def test_every_field_of_every_event_is_classified():
    for spec in REGISTRY:
        fields = set(spec.model.model_fields)
        classified = EVENT_FIELDS.get(spec.type, {})
        assert fields == set(classified), (
            f"{spec.type}: unclassified {sorted(fields - set(classified))}, "
            f"stale {sorted(set(classified) - fields)} (see cohort_contracts/classification.py)"
        )
        for name, (kind, _) in classified.items():
            assert kind in CLASSES, f"{spec.type}.{name}: {kind!r}"


@pytest.mark.unit
def test_every_direct_identifier_of_an_event_has_an_erase_path():
    for spec in REGISTRY:
        for name, (kind, placeholder) in EVENT_FIELDS[spec.type].items():
            if kind != DIRECT or placeholder is STAFF:
                continue
            if spec.is_intake:
                # INTAKE is redacted: the placeholder must stand where the value stood.
                data = {name: "someone@example.org"}
                assert redacted_data(spec.type, data)[name] != data[name], (
                    f"{spec.type}.{name} would survive redaction"
                )
            else:
                assert isinstance(placeholder, str) and placeholder, (
                    f"{spec.type}.{name} is direct and has no erase path"
                )


@pytest.mark.unit
def test_a_redacted_registration_still_parses_and_holds_no_direct_identifier():
    from tests.privacy.history import person

    event = person("iom:p-z", 9)
    redacted = {**event, "data": redacted_data(event["type"], event["data"])}
    import json

    parsed = REGISTRY.parse(json.dumps(redacted), "intake.iom.participant.registered")
    for value in ("Zubeida9q", "Mchangama9w", "zubeida9.private", "+2693321239", "Director"):
        assert value not in json.dumps(redacted)
    assert parsed.payload.organisation.name == "MIIDAT"


@pytest.mark.integration
@pytest.mark.parametrize("service", SERVICES)
async def test_every_column_is_classified_and_every_direct_one_is_erased(service, pg_admin_dsn):
    app = importlib.import_module(f"cohort_{service}.app")
    definition = app.definition
    async with fresh_database(pg_admin_dsn) as url:
        con = await asyncpg.connect(url)
        try:
            await migrate(con, service_migrations(service, definition.migrations))
            rows = await con.fetch(
                """SELECT table_name, column_name FROM information_schema.columns
                   WHERE table_schema = 'public'"""
            )
        finally:
            await con.close()
    live: dict[str, set[str]] = {}
    for r in rows:
        live.setdefault(r["table_name"], set()).add(r["column_name"])
    registry = TABLES[service]
    assert set(live) == set(registry), (
        f"{service}: unclassified tables {sorted(set(live) - set(registry))}, "
        f"stale {sorted(set(registry) - set(live))}"
    )
    erases = importlib.import_module(f"cohort_{service}.erasure").ERASES
    for table, columns in live.items():
        classified = registry[table]
        assert columns == set(classified), (
            f"{service}.{table}: unclassified {sorted(columns - set(classified))}, "
            f"stale {sorted(set(classified) - columns)}"
        )
        for column, kind in classified.items():
            assert kind in CLASSES | {STAFF}, f"{service}.{table}.{column}: {kind!r}"
            if kind == DIRECT:
                assert column in erases.get(table, ()), (
                    f"{service}.{table}.{column} is a direct identifier that no erasure "
                    f"duty clears (cohort_{service}/erasure.py ERASES)"
                )
